package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's snippets of "Use it" and of the options, run as printed (ReadmeSnippetsTest keeps
 * the regions and the README equal).
 */
@Timeout(30)
final class ReadmeExampleTest {
  @StartStop public final MockWebServer server = new MockWebServer();
  @RegisterExtension final PrintedOutput out = new PrintedOutput();

  @Test
  void useItRunsAgainstTheDemoServersTestDouble() throws IOException {
    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    AtomicBoolean expired = new AtomicBoolean();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            // "Minutes or days later": the token of the login has expired before the call.
            if (request.getUrl().encodedPath().equals("/api/me")
                && expired.compareAndSet(false, true)) {
              tokens.expireAccessTokens();
            }
            return tokens.dispatch(request);
          }
        });
    String api = server.url("/").toString();

    // snippet:use-it
    TokenPairAuth auth = TokenPairAuth.builder()
        .baseUrl(api)                                // the bearer goes to this origin only
        .listener(new SessionListener() {
          @Override public void onSessionExpired() {
            System.out.println("Session ended: please sign in again.");
          }
        })
        .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();

    String credentials = "{\"username\":\"demo\",\"password\":\"demo-password\"}";
    auth.login(new Request.Builder()               // runs outside the auth chain; keeps the token and the rt cookie
        .url(api + "auth/login")
        .post(RequestBody.create(credentials, MediaType.get("application/json")))
        .build());

    // Minutes or days later the access token has expired: the call refreshes it once and replays, unnoticed.
    Request me = new Request.Builder().url(api + "api/me").build();
    try (Response response = client.newCall(me).execute()) {
      System.out.println(response.code() + " " + response.body().string());   // 200 {"code":0,...}
    }

    auth.logout();                                  // POSTs /auth/logout with the cookie, then forgets both tokens
    // end snippet

    assertThat(out.text()).startsWith("200 {\"code\":0,").contains("\"username\":\"demo\"");
    assertThat(tokens.loginCount()).isEqualTo(1);
    assertThat(tokens.expiredCount()).isEqualTo(1);
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(tokens.logoutCount()).isEqualTo(1);
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
  }

  @Test
  void asyncLoginCompletesOnTheSdksThreads() throws Exception {
    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    server.setDispatcher(tokens);
    TokenPairAuth auth = TokenPairAuth.builder().baseUrl(server.url("/")).build();
    Request loginRequest = DemoLogin.request(server);
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);

    // snippet:async-java
    auth.loginAsync(loginRequest)                  // returns at once: the login runs on the SDK's threads
        .whenComplete((token, error) -> {          // on an SDK thread: hop to the UI thread to show it
          if (error != null) System.out.println("Sign-in failed: " + error.getMessage());
          else System.out.println("Signed in");
          done.countDown();
        });
    // end snippet

    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(out.text()).isEqualTo("Signed in\n");
    assertThat(tokens.loginCount()).isEqualTo(1);
  }

  @Test
  void everyOptionWithItsDefaultBuilds() {
    // snippet:options
    TokenPairAuth auth = TokenPairAuth.builder()
        .baseUrl("https://api.example.com/")        // required, ends in /
        .refreshPath("auth/refresh")                // POSTed with the rt cookie, resolved against baseUrl
        .logoutPath("auth/logout")
        .accessTokenPointer("/data/access_token")   // JSON Pointer into the refresh response
        .loginTokenPointer("/data/access_token")    // for login(); defaults to accessTokenPointer
        .expiredStatusCodes(401, 419)               // 401 through the Authenticator, the others through the Interceptor
        .graceWindow(300, TimeUnit.MILLISECONDS)    // reuse a fresh token for late failures
        .refreshAhead(30, TimeUnit.SECONDS)         // refresh a JWT this long before exp (at most half its life); 0 = off
        .refreshTimeout(10, TimeUnit.SECONDS)       // each refresh, login and logout call
        .refreshCookieName("rt")
        .refreshProtocol(RefreshProtocol.cookie())  // or RefreshProtocol.oauth2(tokenEndpoint, clientId), or your own
        .tokenStore(TokenStore.inMemory())          // where the access token (and a body refresh token) lives
        .cookieStore(CookieStore.inMemory())        // where the rt cookie lives
        // .sessionStore(FileSessionStore.of(file)) // both in one file that restarts and other processes share;
                                                    //   the only way to share a session among processes
        .listener(SessionListener.NONE)             // onRefreshed, onSessionExpired, onStorageError, onRefreshEvent
        .build();
    // end snippet

    assertThat(auth.toString())
        .isEqualTo(TokenPairAuth.builder().baseUrl("https://api.example.com/").build().toString())
        .isEqualTo("TokenPairAuth{baseUrl=https://api.example.com/, signedIn=false}");
  }

  @Test
  void tokenRefresherSharesOneRefresh() throws IOException {
    AtomicInteger refreshes = new AtomicInteger();
    class MyApi {
      String refresh() {
        return "token-" + refreshes.incrementAndGet();
      }
    }
    MyApi myApi = new MyApi();
    String failedToken = "token-0";

    // snippet:token-refresher
    TokenRefresher refresher = new TokenRefresher(() -> myApi.refresh(), 300, TimeUnit.MILLISECONDS);
    String token = refresher.tryRefresh(failedToken); // shared by every concurrent caller
    // end snippet

    assertThat(token).isEqualTo("token-1");
    assertThat(refreshes).hasValue(1);
  }
}
