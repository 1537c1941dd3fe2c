package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.File;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's OAuth 2.0 snippets, run as printed (ReadmeSnippetsTest keeps the regions and the
 * README equal): the app's example against a Keycloak-style token endpoint, and the test double's.
 */
@Timeout(30)
final class ReadmeOAuth2ExampleTest {
  @StartStop public final MockWebServer api = new MockWebServer();
  @StartStop public final MockWebServer sso = new MockWebServer();
  @StartStop public final MockWebServer server = new MockWebServer();
  @RegisterExtension final PrintedOutput out = new PrintedOutput();
  @TempDir File dataDir;

  @Test
  void oauth2ExampleRuns() throws Exception {
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
    sso.enqueue(tokenAnswer("at-2", "rt-2"));
    sso.enqueue(tokenAnswer("at-3", "rt-3"));
    String api = this.api.url("/").toString();
    HttpUrl tokenEndpoint = sso.url("/realms/app/protocol/openid-connect/token");
    String accessToken = "at-1"; // From the app's authorization-code flow.
    String refreshToken = "rt-1";

    // snippet:oauth2
    AtomicInteger refreshes = new AtomicInteger();
    TokenPairAuth auth = TokenPairAuth.builder()
        .baseUrl(api)                                  // the bearer goes to this origin only
        .refreshProtocol(RefreshProtocol.oauth2(tokenEndpoint, "my-app"))
        .sessionStore(FileSessionStore.of(new File(dataDir, "session.json")))
        .listener(new SessionListener() {
          @Override public void onRefreshEvent(RefreshEvent event) {
            refreshes.incrementAndGet();               // or a counter tagged by event.trigger() and event.outcome()
          }
        })
        .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn(accessToken, refreshToken);            // the pair your sign-in flow obtained

    Request me = new Request.Builder().url(api + "api/me").build();
    try (Response response = client.newCall(me).execute()) {
      System.out.println(response.code() + " " + response.body().string());   // 200, after a silent refresh
    }
    String fresh = auth.forceRefresh();                // now, whatever the token's age; joins one in flight
    // end snippet

    assertThat(out.text().trim()).isEqualTo("200 {\"name\":\"demo\"}");
    assertThat(fresh).isEqualTo("at-3");
    assertThat(refreshes).hasValue(2);
    assertThat(sso.takeRequest().getBody().utf8())
        .isEqualTo("grant_type=refresh_token&refresh_token=rt-1&client_id=my-app");
    assertThat(sso.takeRequest().getBody().utf8())
        .isEqualTo("grant_type=refresh_token&refresh_token=rt-2&client_id=my-app");
    assertThat(FileSessionStore.of(new File(dataDir, "session.json")).loadRefreshToken())
        .isEqualTo("rt-3");
  }

  @Test
  void dpopExampleRuns() throws Exception {
    DpopServer dpopServer = new DpopServer(sso, this.api, new FakeClock());
    String api = this.api.url("/").toString();
    HttpUrl tokenEndpoint = dpopServer.tokenEndpoint();
    HttpUrl revocationEndpoint = dpopServer.revocationEndpoint();
    Request codeExchange =
        new Request.Builder()
            .url(tokenEndpoint)
            .post(
                RequestBody.create(
                    "grant_type=password&username=demo&password=demo-password",
                    MediaType.get("application/x-www-form-urlencoded")))
            .build();

    // snippet:dpop
    TokenPairAuth auth = TokenPairAuth.builder()
        .baseUrl(api)
        .refreshProtocol(RefreshProtocol.oauth2(tokenEndpoint, "my-app")
            .withRevocation(revocationEndpoint))      // logout() revokes the refresh token
        .dpop()                                        // a new P-256 key per sign-in, kept in the session file
        .sessionStore(FileSessionStore.of(new File(dataDir, "session.json")))
        .build();
    auth.login(codeExchange);                          // your token request, sent with a proof
    // end snippet

    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    dpopServer.expireAccessTokens();
    try (Response response =
        client.newCall(new Request.Builder().url(api + "api/me").build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
    auth.logout();
    assertThat(dpopServer.logins).hasValue(1);
    assertThat(dpopServer.refreshes).hasValue(1);
    assertThat(dpopServer.revocations).hasValue(1);
    assertThat(dpopServer.proofFailures).isEmpty();
  }

  @Test
  void tokenServerDispatcherOAuth2ExampleRuns() throws IOException {
    // snippet:test-double-oauth2
    TokenServerDispatcher tokens = TokenServerDispatcher.builder()
        .passwordGrant()                            // default off
        .tokenPath("/oauth/token")                  // the default; paths(...) sets the cookie endpoints
        .clientId("tokenpair-demo")                 // the default
        .clientSecret("s3cret")                     // optional: a confidential client
        .build();
    server.setDispatcher(tokens);
    TokenPairAuth auth = TokenPairAuth.builder()
        .baseUrl(server.url("/"))
        .refreshProtocol(RefreshProtocol.oauth2(server.url("/oauth/token"), "tokenpair-demo")
            .withClientSecretBasic("s3cret"))
        .build();
    auth.login(new Request.Builder().url(server.url("/oauth/token")).post(RequestBody.create(
        "grant_type=password&username=demo&password=demo-password"
            + "&client_id=tokenpair-demo&client_secret=s3cret",
        MediaType.get("application/x-www-form-urlencoded"))).build());
    // end snippet

    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    tokens.expireAccessTokens();
    try (Response response =
        client.newCall(new Request.Builder().url(server.url("/api/me")).build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
    assertThat(tokens.passwordGrantCount()).isEqualTo(1);
    assertThat(tokens.tokenRefreshCount()).isEqualTo(1);
  }

  /** The README says so: under oauth2 without revocation, logout is local. */
  @Test
  void oauth2LogoutLeavesTheSessionAliveAtTheServer() throws IOException {
    TokenServerDispatcher tokens = TokenServerDispatcher.builder().passwordGrant().build();
    server.setDispatcher(tokens);
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .refreshProtocol(RefreshProtocol.oauth2(server.url("/oauth/token"), "tokenpair-demo"))
            .build();
    String accessToken =
        auth.login(
            new Request.Builder()
                .url(server.url("/oauth/token"))
                .post(
                    RequestBody.create(
                        "grant_type=password&username=demo&password=demo-password",
                        MediaType.get("application/x-www-form-urlencoded")))
                .build());

    auth.logout();

    assertThat(auth.accessToken()).isNull();
    assertThat(tokens.requestCount("/auth/logout")).isEqualTo(0);
    assertThat(tokens.activeSessionCount()).isEqualTo(1);
    Request withOldToken =
        new Request.Builder()
            .url(server.url("/api/me"))
            .header("Authorization", "Bearer " + accessToken)
            .build();
    try (Response response = new OkHttpClient().newCall(withOldToken).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
  }

  private static MockResponse tokenAnswer(String accessToken, String refreshToken) {
    return new MockResponse.Builder()
        .addHeader("Content-Type", "application/json")
        .body(
            "{\"access_token\":\""
                + accessToken
                + "\",\"token_type\":\"Bearer\",\"expires_in\":300,\"refresh_token\":\""
                + refreshToken
                + "\"}")
        .build();
  }
}
