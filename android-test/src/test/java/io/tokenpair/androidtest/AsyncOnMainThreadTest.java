package io.tokenpair.androidtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.robolectric.Shadows.shadowOf;

import android.os.Handler;
import android.os.Looper;
import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.annotation.Config;

/**
 * The async forms called on Android's main thread (Robolectric's main looper) while the server
 * holds its answer: each returns at once, and its result reaches the main thread through a {@link
 * Handler}, as an app would show it.
 */
@RunWith(RobolectricTestRunner.class)
@Config(sdk = {26, 35})
public final class AsyncOnMainThreadTest {
  private final MockWebServer server = new MockWebServer();
  private final TokenServerDispatcher tokens = TokenServerDispatcher.create();
  private final CountDownLatch held = new CountDownLatch(1);
  private final CountDownLatch answer = new CountDownLatch(1);

  @Before
  public void start() throws IOException {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            String path = request.getUrl().encodedPath();
            if (path.equals("/auth/login") || path.equals("/auth/refresh")) {
              held.countDown();
              answer.await(); // The server holds its answer.
            }
            return tokens.dispatch(request);
          }
        });
    server.start();
  }

  @After
  public void stop() {
    answer.countDown();
    server.close();
  }

  @Test
  public void loginAndRefreshAsyncNeverBlockTheMainThread() throws Exception {
    assertThat(Looper.getMainLooper().isCurrentThread()).isTrue();
    TokenPairAuth auth = TokenPairAuth.builder().baseUrl(server.url("/")).build();
    auth.install(new OkHttpClient.Builder());
    Handler main = new Handler(Looper.getMainLooper());
    java.util.concurrent.Semaphore posted = new java.util.concurrent.Semaphore(0);
    Executor onMain =
        runnable -> {
          main.post(runnable);
          posted.release(); // Posted by the SDK's thread: the main thread may now run it.
        };
    List<String> shown = new ArrayList<>(); // Touched on the main thread only.

    CompletableFuture<String> login = auth.loginAsync(DemoLogin.request(server));
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(login).isNotDone(); // Returned while the server still holds the answer.
    CompletableFuture<Void> showLogin =
        login.thenAcceptAsync(token -> shown.add("signed in"), onMain);

    answer.countDown();
    assertThat(posted.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
    shadowOf(Looper.getMainLooper()).idle(); // The main thread runs what was posted to it.
    showLogin.get(10, TimeUnit.SECONDS);

    CompletableFuture<String> refresh = auth.forceRefreshAsync();
    CompletableFuture<Void> showRefresh =
        refresh.thenAcceptAsync(token -> shown.add("refreshed"), onMain);
    assertThat(posted.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
    shadowOf(Looper.getMainLooper()).idle();
    showRefresh.get(10, TimeUnit.SECONDS);

    assertThat(shown).containsExactly("signed in", "refreshed");
    assertThat(tokens.loginCount()).isEqualTo(1);
    assertThat(tokens.refreshCount()).isEqualTo(1);
  }
}
