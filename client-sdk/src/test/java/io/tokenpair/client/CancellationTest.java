package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A call canceled while it waits for a refresh fails at once, as any canceled OkHttp call does; the
 * refresh goes on and its result is kept. Public API only.
 */
@Timeout(20)
final class CancellationTest {
  @StartStop public final MockWebServer server = new MockWebServer();

  private final TokenServerDispatcher tokens = TokenServerDispatcher.create();
  private final RecordingListener listener = new RecordingListener();
  private final ExecutorService callers = Executors.newCachedThreadPool();

  @AfterEach
  void tearDown() {
    tokens.releaseRefreshes();
    callers.shutdownNow();
  }

  private TokenPairAuth.Builder builder() {
    server.setDispatcher(tokens);
    return TokenPairAuth.builder().baseUrl(server.url("/")).listener(listener);
  }

  private Request get(String path) {
    return new Request.Builder().url(server.url(path)).build();
  }

  private static int status(Call call) throws IOException {
    try (Response response = call.execute()) {
      return response.code();
    }
  }

  /** Cancels {@code call} once its refresh is held at the server, and expects "Canceled". */
  private void cancelWhileTheRefreshIsHeld(Call call) throws Exception {
    tokens.holdRefreshes();
    Future<Integer> waiting = callers.submit(() -> status(call));
    assertThat(tokens.awaitRefreshes(1, 10, TimeUnit.SECONDS)).isTrue();
    call.cancel();
    assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)) // Not when the refresh ends.
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IOException.class)
        .hasMessage("Canceled");
    tokens.releaseRefreshes();
  }

  @Test
  void canceledCallWaitingForARefreshAfter401FailsAtOnceAndTheRefreshIsKept() throws Exception {
    TokenPairAuth auth = builder().refreshAhead(0, TimeUnit.SECONDS).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(DemoLogin.request(server));
    tokens.expireAccessTokens();

    cancelWhileTheRefreshIsHeld(client.newCall(get("/api/a")));

    assertThat(status(client.newCall(get("/api/b")))).isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(listener.refreshed).hasSize(1);
    assertThat(listener.expired).hasValue(0);
  }

  @Test
  void canceledCallWaitingForARefreshAheadFailsAtOnceAndTheRefreshIsKept() throws Exception {
    CookieStore cookies = CookieStore.inMemory();
    builder().cookieStore(cookies).build().login(DemoLogin.request(server));
    // A restart that kept the refresh cookie but not the access token: refreshed before sending.
    TokenPairAuth auth = builder().cookieStore(cookies).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();

    cancelWhileTheRefreshIsHeld(client.newCall(get("/api/a")));

    assertThat(status(client.newCall(get("/api/b")))).isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(tokens.expiredCount()).isEqualTo(0);
  }

  @Test
  void secondInstallLeavesTheAuthCallsConfigurationOfTheFirst() throws Exception {
    AtomicInteger authCallsSeen = new AtomicInteger();
    TokenPairAuth auth = builder().build();
    OkHttpClient first =
        auth.install(
                new OkHttpClient.Builder()
                    .addInterceptor(
                        chain -> {
                          if (chain.request().url().encodedPath().startsWith("/auth/")) {
                            authCallsSeen.incrementAndGet();
                          }
                          return chain.proceed(chain.request());
                        }))
            .build();
    OkHttpClient second = auth.install(new OkHttpClient.Builder()).build();
    auth.login(DemoLogin.request(server));
    tokens.expireAccessTokens();

    assertThat(status(second.newCall(get("/api/a")))).isEqualTo(200);
    assertThat(status(first.newCall(get("/api/b")))).isEqualTo(200);
    assertThat(authCallsSeen).hasValue(2); // The login and the refresh.
  }
}
