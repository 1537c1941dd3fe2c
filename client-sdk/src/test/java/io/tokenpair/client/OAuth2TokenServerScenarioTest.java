package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The SDK's oauth2 protocol against the published test dispatcher's token endpoint. */
@Timeout(10)
final class OAuth2TokenServerScenarioTest {
  private static final String PASSWORD_LOGIN =
      "grant_type=password&username=demo&password=demo-password&client_id=tokenpair-demo";

  @StartStop public final MockWebServer server = new MockWebServer();

  private final RecordingListener listener = new RecordingListener();
  private final ExecutorService callers = Executors.newCachedThreadPool();

  @AfterEach
  void tearDown() {
    callers.shutdownNow();
  }

  private TokenPairAuth auth(TokenServerDispatcher tokens, OAuth2RefreshProtocol protocol) {
    server.setDispatcher(tokens);
    return TokenPairAuth.builder()
        .baseUrl(server.url("/"))
        .refreshProtocol(protocol)
        .listener(listener)
        .build();
  }

  private OAuth2RefreshProtocol oauth2() {
    return RefreshProtocol.oauth2(server.url("/oauth/token"), "tokenpair-demo");
  }

  private Request passwordGrant() {
    return passwordGrant(PASSWORD_LOGIN);
  }

  private Request passwordGrant(String form) {
    return new Request.Builder()
        .url(server.url("/oauth/token"))
        .post(RequestBody.create(form, MediaType.get("application/x-www-form-urlencoded")))
        .build();
  }

  private static int status(OkHttpClient client, String url) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return response.code();
    }
  }

  @Test
  void concurrentExpiredCallsShareOneTokenEndpointRefresh() throws Exception {
    TokenServerDispatcher tokens =
        TokenServerDispatcher.builder().passwordGrant().opaqueAccessTokens().build();
    TokenPairAuth auth = auth(tokens, oauth2());
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(passwordGrant());
    tokens.expireAccessTokens();

    int n = 8;
    CyclicBarrier barrier = new CyclicBarrier(n);
    List<Future<Integer>> results = new ArrayList<>();
    String url = server.url("/api/me").toString();
    for (int i = 0; i < n; i++) {
      results.add(
          callers.submit(
              () -> {
                barrier.await();
                return status(client, url);
              }));
    }
    for (Future<Integer> result : results) assertThat(result.get()).isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(tokens.tokenRefreshCount()).isEqualTo(1);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0);
    assertThat(auth.accessToken()).isEqualTo(tokens.lastIssuedAccessToken());
  }

  @Test
  void rotationIsKeptOverSeveralForcedRefreshes() throws IOException {
    TokenServerDispatcher tokens =
        TokenServerDispatcher.builder().passwordGrant().sequentialTokens().build();
    TokenPairAuth auth = auth(tokens, oauth2());
    auth.login(passwordGrant());
    for (int i = 0; i < 3; i++) auth.forceRefresh();
    assertThat(tokens.tokenRefreshCount()).isEqualTo(3);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0); // Each presented the rotated token.
    assertThat(listener.refreshed).hasSize(3);
  }

  @Test
  void confidentialClientAuthenticatesWithBasicOrPostAndAWrongSecretKeepsTheSession()
      throws IOException {
    String secret = "s3cr:t+";
    TokenServerDispatcher tokens =
        TokenServerDispatcher.builder().passwordGrant().clientSecret(secret).build();
    String login = PASSWORD_LOGIN + "&client_secret=s3cr%3At%2B"; // client_secret_post
    TokenPairAuth basic = auth(tokens, oauth2().withClientSecretBasic(secret));
    basic.login(passwordGrant(login));
    basic.forceRefresh();
    TokenPairAuth post = auth(tokens, oauth2().withClientSecretPost(secret));
    post.login(passwordGrant(login));
    post.forceRefresh();
    assertThat(tokens.tokenRefreshCount()).isEqualTo(2);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0);

    TokenPairAuth wrong = auth(tokens, oauth2().withClientSecretBasic("wrong"));
    String token = wrong.login(passwordGrant(login));
    assertThatThrownBy(wrong::forceRefresh)
        .isInstanceOfSatisfying(
            AuthResponseException.class, e -> assertThat(e.endsSession()).isFalse());
    assertThat(wrong.accessToken()).isEqualTo(token); // invalid_client keeps the session.
    assertThat(listener.expired.get()).isEqualTo(0);
    assertThat(tokens.tokenRefreshCount()).isEqualTo(3);
  }

  @Test
  void rejectedRefreshEndsTheSessionOnceAndTransientFailureKeepsIt() throws IOException {
    TokenServerDispatcher tokens = TokenServerDispatcher.builder().passwordGrant().build();
    TokenPairAuth auth = auth(tokens, oauth2());
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(passwordGrant());
    String url = server.url("/api/me").toString();

    tokens.expireAccessTokens();
    tokens.failNextRefresh(503);
    assertThat(status(client, url)).isEqualTo(401); // Transient: the session is kept.
    assertThat(listener.expired.get()).isEqualTo(0);
    assertThat(status(client, url)).isEqualTo(200);

    tokens.expireAccessTokens();
    tokens.rejectNextRefresh();
    assertThat(status(client, url)).isEqualTo(401);
    assertThat(listener.expired.get()).isEqualTo(1);
    assertThat(auth.accessToken()).isNull();
    assertThat(tokens.tokenRefreshCount()).isEqualTo(3);
  }
}
