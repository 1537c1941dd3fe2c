package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DPoP and revocation with a session file: what a restart, another process or a logout reads from
 * it. Against the published test dispatcher.
 */
@Timeout(20)
final class DpopSharedStoreTest {
  @StartStop public final MockWebServer server = new MockWebServer();
  @TempDir File folder;

  private File file() {
    return new File(folder, "session.json");
  }

  private TokenPairAuth.Builder builder(TokenServerDispatcher tokens) {
    server.setDispatcher(tokens);
    return TokenPairAuth.builder()
        .baseUrl(server.url("/"))
        .refreshProtocol(
            RefreshProtocol.oauth2(server.url("/oauth/token"), "tokenpair-demo")
                .withRevocation(server.url("/oauth/revoke")))
        .sessionStore(FileSessionStore.of(file()));
  }

  private Request passwordGrant() {
    return DemoLogin.passwordGrant(server);
  }

  private static int call(TokenPairAuth auth, MockWebServer server) throws IOException {
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    try (Response response =
        client.newCall(new Request.Builder().url(server.url("/api/me")).build()).execute()) {
      return response.code();
    }
  }

  @Test
  void logoutRevokesTheRefreshTokenAnotherProcessRotatedTo() throws Exception {
    TokenServerDispatcher tokens =
        TokenServerDispatcher.builder().passwordGrant().sequentialTokens().dpop().build();
    TokenPairAuth first = builder(tokens).dpop().build();
    first.login(passwordGrant()); // refresh-1
    TokenPairAuth second = builder(tokens).dpop().build();
    tokens.expireAccessTokens();
    assertThat(call(second, server)).isEqualTo(200); // The second process rotates to refresh-2.

    first.logout();

    assertThat(tokens.revocationCount()).isEqualTo(1);
    RecordedRequest revocation = null;
    for (RecordedRequest request : tokens.requests()) {
      if (request.getUrl().encodedPath().equals("/oauth/revoke")) revocation = request;
    }
    assertThat(revocation.getBody().utf8()).contains("token=refresh-2&");
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
  }

  @Test
  void storedBearerJwtStaysBearerAfterARestartWithDpopOn() throws Exception {
    TokenServerDispatcher tokens = TokenServerDispatcher.builder().passwordGrant().build();
    builder(tokens).dpop().build().login(passwordGrant()); // token_type Bearer: no DPoP here.

    TokenPairAuth restarted = builder(tokens).dpop().build();
    assertThat(call(restarted, server)).isEqualTo(200);

    RecordedRequest sent = tokens.requests().get(tokens.requests().size() - 1);
    assertThat(sent.getHeaders().get("Authorization")).startsWith("Bearer ");
    assertThat(sent.getHeaders().get("DPoP")).isNull();
    assertThat(tokens.refreshCount()).isEqualTo(0);
  }

  @Test
  void logoutWithDpopOffDeletesAKeyAnEarlierRunStored() throws Exception {
    TokenServerDispatcher tokens = TokenServerDispatcher.builder().passwordGrant().dpop().build();
    builder(tokens).dpop().build().login(passwordGrant());
    assertThat(new String(Files.readAllBytes(file().toPath()), StandardCharsets.UTF_8))
        .contains("\"dpop_key\"");

    // The next version of the app turned DPoP off: the server refuses to revoke the bound token
    // without a proof, and logout says so after wiping.
    assertThatThrownBy(() -> builder(tokens).build().logout())
        .isInstanceOf(AuthResponseException.class);

    assertThat(new String(Files.readAllBytes(file().toPath()), StandardCharsets.UTF_8))
        .doesNotContain("dpop_key");
  }
}
