package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A credential goes only where its session's requests went: a request is replayed only within the
 * session it was sent in, a refresh presents only its own session's credential, and the bearer
 * follows no chain that started at another origin. Public API only.
 */
@Timeout(20)
final class SessionBoundaryTest {
  @StartStop public final MockWebServer server = new MockWebServer();
  @StartStop public final MockWebServer thirdParty = new MockWebServer();

  private final TokenServerDispatcher tokens = TokenServerDispatcher.create();
  private final RecordingListener listener = new RecordingListener();
  private final ExecutorService background = Executors.newSingleThreadExecutor();

  @AfterEach
  void shutdown() {
    background.shutdownNow();
  }

  private static int status(OkHttpClient client, Request request) throws IOException {
    try (Response response = client.newCall(request).execute()) {
      return response.code();
    }
  }

  private Request get(String path) {
    return new Request.Builder().url(server.url(path)).build();
  }

  @Test
  void requestOfAnEndedSessionIsNotReplayedInTheNextOne() throws Exception {
    CountDownLatch postArrived = new CountDownLatch(1);
    CountDownLatch answerPost = new CountDownLatch(1);
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            if (request.getUrl().encodedPath().equals("/api/post")
                && request.getHeaders().get("Authorization") != null
                && tokens.requestCount("/api/post") == 0) {
              postArrived.countDown();
              answerPost.await(); // The first session's request is in flight.
            }
            return tokens.dispatch(request);
          }
        });
    TokenPairAuth auth =
        TokenPairAuth.builder().baseUrl(server.url("/")).listener(listener).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(DemoLogin.request(server));
    Request post =
        new Request.Builder()
            .url(server.url("/api/post"))
            .post(
                RequestBody.create(
                    "{\"text\":\"first session's\"}", MediaType.get("application/json")))
            .build();
    Future<Integer> first = background.submit(() -> status(client, post));
    assertThat(postArrived.await(10, TimeUnit.SECONDS)).isTrue();

    auth.logout(); // The server revokes the first session: its request will be refused.
    auth.login(DemoLogin.request(server)); // A second session, maybe another person's.
    answerPost.countDown();

    assertThat(first.get()).isEqualTo(401); // Its own answer, not a replay under the new session.
    assertThat(tokens.requestCount("/api/post")).isEqualTo(1);
    assertThat(tokens.refreshCount()).isEqualTo(0);
    assertThat(status(client, get("/api/me"))).isEqualTo(200); // The new session is intact.
    assertThat(listener.expired).hasValue(0);
  }

  @Test
  void refreshOfAnEndedSessionNeverPresentsTheNextSessionsCookie() throws Exception {
    CountDownLatch refreshHeld = new CountDownLatch(1);
    CountDownLatch releaseRefresh = new CountDownLatch(1);
    server.setDispatcher(tokens);
    TokenPairAuth auth =
        TokenPairAuth.builder().baseUrl(server.url("/")).listener(listener).build();
    OkHttpClient.Builder app =
        new OkHttpClient.Builder()
            .addInterceptor(
                chain -> {
                  // The app's own interceptor, which the auth calls go through, is slow once.
                  if (chain.request().url().encodedPath().equals("/auth/refresh")
                      && refreshHeld.getCount() == 1) {
                    refreshHeld.countDown();
                    try {
                      releaseRefresh.await();
                    } catch (InterruptedException e) {
                      throw new java.io.InterruptedIOException();
                    }
                  }
                  return chain.proceed(chain.request());
                });
    OkHttpClient client = auth.install(app).build();
    auth.login(DemoLogin.request(server));
    tokens.expireAccessTokens();
    Future<Integer> first = background.submit(() -> status(client, get("/api/a")));
    assertThat(refreshHeld.await(10, TimeUnit.SECONDS)).isTrue();

    auth.login(DemoLogin.request(server)); // The second session commits during the refresh.
    releaseRefresh.countDown();
    assertThat(first.get()).isEqualTo(401); // The first session's call ends with it.

    tokens.expireAccessTokens();
    assertThat(status(client, get("/api/b"))).isEqualTo(200);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0);
    assertThat(listener.expired).hasValue(0);
    assertThat(tokens.refreshCount()).isEqualTo(2);
  }

  @Test
  void bearerFollowsNoRedirectChainThatStartedAtAnotherOrigin() throws Exception {
    server.setDispatcher(tokens);
    thirdParty.enqueue(
        new MockResponse.Builder()
            .code(307)
            .addHeader("Location", server.url("/api/preview"))
            .build());
    TokenPairAuth auth =
        TokenPairAuth.builder().baseUrl(server.url("/")).listener(listener).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(DemoLogin.request(server));

    Request preview =
        new Request.Builder()
            .url(thirdParty.url("/preview"))
            .post(RequestBody.create("{}", MediaType.get("application/json")))
            .build();
    assertThat(status(client, preview)).isEqualTo(401);

    assertThat(tokens.requestCount("/api/preview")).isEqualTo(1);
    RecordedRequest redirected = tokens.requests().get(tokens.requests().size() - 1);
    assertThat(redirected.getHeaders().get("Authorization")).isNull();
    assertThat(tokens.refreshCount()).isEqualTo(0);
  }
}
