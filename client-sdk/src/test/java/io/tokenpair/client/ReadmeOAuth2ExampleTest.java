package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's OAuth 2.0 example, against a Keycloak-style token endpoint, kept working. */
final class ReadmeOAuth2ExampleTest {
  @StartStop public final MockWebServer api = new MockWebServer();
  @StartStop public final MockWebServer sso = new MockWebServer();
  @TempDir File dataDir;

  @Test
  void readmeOAuth2ExampleRuns() throws Exception {
    api.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            boolean fresh = "Bearer at-2".equals(request.getHeaders().get("Authorization"));
            return fresh
                ? new MockResponse.Builder().body("{\"name\":\"demo\"}").build()
                : new MockResponse.Builder()
                    .code(401)
                    .addHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")
                    .build();
          }
        });
    sso.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "application/json")
            .body(
                "{\"access_token\":\"at-2\",\"token_type\":\"Bearer\",\"expires_in\":300,"
                    + "\"refresh_token\":\"rt-2\"}")
            .build());
    String apiUrl = api.url("/").toString(); // e.g. "https://api.example.com/"
    HttpUrl tokenEndpoint = sso.url("/realms/app/protocol/openid-connect/token");
    String accessToken = "at-1"; // From your authorization-code flow.
    String refreshToken = "rt-1";

    // README example starts here.
    AtomicInteger refreshes = new AtomicInteger();
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(apiUrl)
            .refreshProtocol(RefreshProtocol.oauth2(tokenEndpoint, "my-app"))
            .sessionStore(FileSessionStore.of(new File(dataDir, "session.json")))
            .listener(
                new SessionListener() {
                  @Override
                  public void onRefreshEvent(RefreshEvent event) {
                    refreshes.incrementAndGet(); // Or a counter tagged by trigger and outcome.
                  }
                })
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn(accessToken, refreshToken); // The pair your sign-in flow obtained.

    Request me = new Request.Builder().url(apiUrl + "api/me").build();
    try (Response response = client.newCall(me).execute()) {
      System.out.println(response.code() + " " + response.body().string()); // 200, after a refresh.
    }
    // README example ends here.

    assertThat(refreshes).hasValue(1);
    assertThat(sso.takeRequest().getBody().utf8())
        .isEqualTo("grant_type=refresh_token&refresh_token=rt-1&client_id=my-app");
    assertThat(FileSessionStore.of(new File(dataDir, "session.json")).loadRefreshToken())
        .isEqualTo("rt-2");
  }
}
