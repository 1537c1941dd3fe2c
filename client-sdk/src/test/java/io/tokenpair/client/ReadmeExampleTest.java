package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** The README's example, kept compiling and working. */
final class ReadmeExampleTest {
  @StartStop public final MockWebServer server = new MockWebServer();

  @Test
  void readmeExampleRuns() throws IOException {
    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    server.setDispatcher(tokens);
    String baseUrl = server.url("/").toString();

    // README example starts here.
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(baseUrl) // e.g. "https://api.example.com/"
            .listener(
                new SessionListener() {
                  @Override
                  public void onSessionExpired() {
                    System.out.println("Session ended: please sign in again.");
                  }
                })
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();

    String credentials = "{\"username\":\"demo\",\"password\":\"demo-password\"}";
    auth.login(
        new Request.Builder()
            .url(baseUrl + "auth/login")
            .post(RequestBody.create(credentials, MediaType.get("application/json")))
            .build());

    Request me = new Request.Builder().url(baseUrl + "api/me").build();
    try (Response response = client.newCall(me).execute()) {
      System.out.println(response.code() + " " + response.body().string());
    }
    // README example pauses here: the access token expires on the server.
    tokens.expireAccessTokens();
    try (Response response = client.newCall(me).execute()) {
      assertThat(response.code()).isEqualTo(200); // Refreshed and replayed, unnoticed.
    }
    auth.logout();
    // README example ends here.

    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(tokens.logoutCount()).isEqualTo(1);
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
  }
}
