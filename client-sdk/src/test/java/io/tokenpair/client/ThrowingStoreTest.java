package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Cookie;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A store that throws an unchecked exception, as a keystore-backed Android store may, never crashes
 * the app: the exception becomes an {@link IOException}, reaches {@link
 * SessionListener#onStorageError}, and escapes neither {@code execute()} nor OkHttp's dispatcher
 * threads.
 */
@Timeout(20)
final class ThrowingStoreTest {
  @StartStop public final MockWebServer server = new MockWebServer();
  @TempDir File folder;

  private final TokenServerDispatcher tokens = TokenServerDispatcher.create();
  private final RecordingListener listener = new RecordingListener();
  private final AtomicInteger uncaught = new AtomicInteger();
  private final ExecutorService dispatcherThreads =
      new ThreadPoolExecutor(
          0,
          Integer.MAX_VALUE,
          60,
          TimeUnit.SECONDS,
          new SynchronousQueue<Runnable>(),
          runnable -> {
            Thread thread = new Thread(runnable, "test dispatcher");
            thread.setUncaughtExceptionHandler((t, e) -> uncaught.incrementAndGet());
            return thread;
          });

  @AfterEach
  void tearDown() {
    dispatcherThreads.shutdownNow();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"loadAccessToken", "saveAccessToken", "loadCookies", "saveCookies", "lock"})
  void storeThrowingUncheckedIsReportedAndNeverEscapes(String method) throws Exception {
    server.setDispatcher(tokens);
    File file = new File(folder, "session.json");
    TokenPairAuth first = auth(FileSessionStore.of(file));
    first.login(login());
    tokens.expireAccessTokens();

    // A restart on the same file, whose store now throws from one method.
    ThrowingStore store = new ThrowingStore(FileSessionStore.of(file), method);
    TokenPairAuth auth = auth(store);
    OkHttpClient client =
        auth.install(new OkHttpClient.Builder().dispatcher(new Dispatcher(dispatcherThreads)))
            .build();

    try (Response response = client.newCall(get()).execute()) {
      assertThat(response.code()).isIn(200, 401);
    } catch (IOException expected) {
      // A failure the app can handle.
    }
    CountDownLatch done = new CountDownLatch(1);
    AtomicInteger callbacks = new AtomicInteger();
    client
        .newCall(get())
        .enqueue(
            new Callback() {
              @Override
              public void onResponse(Call call, Response response) {
                response.close();
                callbacks.incrementAndGet();
                done.countDown();
              }

              @Override
              public void onFailure(Call call, IOException e) {
                callbacks.incrementAndGet();
                done.countDown();
              }
            });
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(store.thrown.get()).isPositive();
    assertThat(listener.storageErrors).isNotEmpty();
    assertThat(listener.storageErrors)
        .allSatisfy(e -> assertThat(e).hasCauseInstanceOf(IllegalStateException.class));
    assertThat(callbacks).hasValue(1);
    dispatcherThreads.shutdown();
    assertThat(dispatcherThreads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(uncaught).hasValue(0);
  }

  private TokenPairAuth auth(SessionStore store) {
    return TokenPairAuth.builder()
        .baseUrl(server.url("/"))
        .sessionStore(store)
        .listener(listener)
        .refreshAhead(0, TimeUnit.SECONDS)
        .build();
  }

  private Request login() {
    return DemoLogin.request(server);
  }

  private Request get() {
    return new Request.Builder().url(server.url("/api/me")).build();
  }

  /** Throws {@link IllegalStateException} from one method; delegates the others. */
  static final class ThrowingStore implements SessionStore {
    private final SessionStore delegate;
    private final String method;
    final AtomicInteger thrown = new AtomicInteger();

    ThrowingStore(SessionStore delegate, String method) {
      this.delegate = delegate;
      this.method = method;
    }

    private void maybeThrow(String name) {
      if (name.equals(method)) {
        thrown.incrementAndGet();
        throw new IllegalStateException("keystore unavailable");
      }
    }

    @Override
    public Closeable lock() throws IOException {
      maybeThrow("lock");
      return delegate.lock();
    }

    @Override
    public String loadAccessToken() throws IOException {
      maybeThrow("loadAccessToken");
      return delegate.loadAccessToken();
    }

    @Override
    public void saveAccessToken(String accessToken) throws IOException {
      maybeThrow("saveAccessToken");
      delegate.saveAccessToken(accessToken);
    }

    @Override
    public List<Cookie> loadCookies() throws IOException {
      maybeThrow("loadCookies");
      return delegate.loadCookies();
    }

    @Override
    public void saveCookies(List<Cookie> cookies) throws IOException {
      maybeThrow("saveCookies");
      delegate.saveCookies(cookies);
    }
  }
}
