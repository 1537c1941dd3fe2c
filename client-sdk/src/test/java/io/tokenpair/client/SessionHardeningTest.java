package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import okhttp3.Cookie;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promises that review and load testing broke: a rotated cookie is never thrown away, no user
 * code runs under the SDK's locks, the cross-process lock guards only the refresh credential, user
 * code cannot throw onto OkHttp's threads, clocks may be wrong, and a lost refresh answer is
 * retried once.
 */
@Timeout(30)
final class SessionHardeningTest {
  @StartStop public final MockWebServer server = new MockWebServer();
  @TempDir File folder;

  private final FakeClock clock = new FakeClock();
  private final RecordingListener listener = new RecordingListener();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  /** Extra behaviour in front of the token server: its answer, or null to pass through. */
  interface Front {
    MockResponse dispatch(RecordedRequest request) throws InterruptedException;
  }

  private volatile Front front;

  private TokenServerDispatcher tokens = tokens(TokenServerDispatcher.builder());

  @AfterEach
  void tearDown() {
    tokens.releaseRefreshes();
    threads.shutdownNow();
  }

  /** A token server whose clock is this test's clock shifted by {@code serverAheadMillis}. */
  private TokenServerDispatcher tokens(TokenServerDispatcher.Builder builder) {
    return tokens(builder, 0);
  }

  private TokenServerDispatcher tokens(TokenServerDispatcher.Builder builder, long serverAhead) {
    TokenServerDispatcher result = builder.clock(new ShiftedClock(clock, serverAhead)).build();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            Front extra = front;
            MockResponse response = extra != null ? extra.dispatch(request) : null;
            return response != null ? response : result.dispatch(request);
          }
        });
    tokens = result;
    return result;
  }

  private TokenPairAuth.Builder builder() {
    return TokenPairAuth.builder()
        .baseUrl(server.url("/"))
        .listener(listener)
        .refreshAhead(0, TimeUnit.SECONDS)
        .clock(clock);
  }

  private static OkHttpClient client(TokenPairAuth auth) {
    return auth.install(new OkHttpClient.Builder()).build();
  }

  private Request login() {
    return DemoLogin.request(server);
  }

  private int status(OkHttpClient client, String path) throws IOException {
    try (Response response = client.newCall(get(path)).execute()) {
      return response.code();
    }
  }

  private Request get(String path) {
    return new Request.Builder().url(server.url(path)).build();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  // 1. A rotated refresh cookie is a fact.

  @Test
  void manualTokenChangeDuringARefreshKeepsTheRotatedCookie() throws Exception {
    TokenPairAuth auth = builder().build();
    OkHttpClient client = client(auth);
    auth.login(login());
    tokens.expireAccessTokens();
    tokens.holdRefreshes();
    Future<Integer> call = threads.submit(() -> status(client, "/api/me"));
    assertThat(tokens.awaitRequestCount("/auth/refresh", 1, 10, TimeUnit.SECONDS)).isTrue();

    auth.setAccessToken("set-by-the-app");
    tokens.releaseRefreshes(); // The server rotates the cookie and answers.
    await(call);

    // The app's token stands; the next refresh must present the rotated cookie.
    assertThat(auth.accessToken()).isEqualTo("set-by-the-app");
    assertThat(status(client, "/api/me")).isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(2);
    assertThat(tokens.reuseDetectedCount()).isZero();
    assertThat(listener.expired).hasValue(0);
  }

  @Test
  void loginDuringARefreshKeepsTheNewSessionsCookie() throws Exception {
    TokenPairAuth auth = builder().build();
    OkHttpClient client = client(auth);
    auth.login(login());
    tokens.expireAccessTokens();
    tokens.holdRefreshes();
    Future<Integer> call = threads.submit(() -> status(client, "/api/me"));
    assertThat(tokens.awaitRequestCount("/auth/refresh", 1, 10, TimeUnit.SECONDS)).isTrue();

    String second = auth.login(login());
    tokens.releaseRefreshes();
    await(call);

    assertThat(auth.accessToken()).isEqualTo(second);
    tokens.expireAccessTokens();
    assertThat(status(client, "/api/me")).isEqualTo(200);
    assertThat(tokens.reuseDetectedCount()).isZero();
    assertThat(listener.expired).hasValue(0);
  }

  // 4. No user code under a lock; the cross-process lock guards only the refresh credential.

  @Test
  void listenerIsCalledWithNoLockHeld() throws Exception {
    FlakyStore store = new FlakyStore(FileSessionStore.of(new File(folder, "session.json")));
    AtomicInteger blocked = new AtomicInteger();
    AtomicInteger completed = new AtomicInteger();
    TokenPairAuth[] holder = new TokenPairAuth[1];
    SessionListener probing =
        new SessionListener() {
          /** Another thread changes the session, as an app reacting to the event would. */
          private void probe() {
            Future<?> change =
                threads.submit(
                    () -> {
                      holder[0].setAccessToken("from-listener");
                      return null;
                    });
            try {
              change.get(2, TimeUnit.SECONDS);
              completed.incrementAndGet();
            } catch (TimeoutException e) {
              blocked.incrementAndGet();
            } catch (Exception e) {
              completed.incrementAndGet(); // It ran: a failing store is not a held lock.
            }
          }

          @Override
          public void onRefreshed(String accessToken) {
            probe();
          }

          @Override
          public void onSessionExpired() {
            probe();
          }

          @Override
          public void onStorageError(IOException error) {
            probe();
          }
        };
    TokenPairAuth auth = builder().sessionStore(store).listener(probing).build();
    holder[0] = auth;
    OkHttpClient client = client(auth);
    auth.login(login());

    tokens.expireAccessTokens();
    assertThat(status(client, "/api/me")).isEqualTo(200); // onRefreshed.
    clock.advance(1, TimeUnit.SECONDS); // Past the grace window.
    tokens.expireAccessTokens();
    store.failSaveCookies = true;
    assertThat(status(client, "/api/me")).isEqualTo(401); // onStorageError.
    store.failSaveCookies = false;
    clock.advance(1, TimeUnit.SECONDS);
    tokens.expireAccessTokens();
    tokens.rejectNextRefresh();
    assertThat(status(client, "/api/me")).isEqualTo(401); // onSessionExpired.

    assertThat(blocked).hasValue(0);
    assertThat(completed.get()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void cookieOfAnOrdinaryResponseDoesNotWaitForAnotherProcesssRefresh() throws Exception {
    File file = new File(folder, "session.json");
    FlakyStore store = new FlakyStore(FileSessionStore.of(file));
    TokenPairAuth auth = builder().sessionStore(store).build();
    OkHttpClient client = client(auth);
    auth.login(login());
    front =
        request ->
            request.getUrl().encodedPath().equals("/api/prefs")
                ? new MockResponse.Builder()
                    .addHeader("Set-Cookie", "pref=dark; Path=/; Max-Age=600")
                    .build()
                : null;

    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch unlock = new CountDownLatch(1);
    Future<?> otherProcess = holdLock(FileSessionStore.of(file), locked, unlock);
    assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
    int savesBefore = store.cookieSaves.get();

    assertThat(await(threads.submit(() -> status(client, "/api/prefs")))).isEqualTo(200);
    assertThat(store.cookieSaves.get()).isEqualTo(savesBefore); // Not yet: the lock is taken.

    unlock.countDown();
    await(otherProcess);
    store.awaitCookieSaves(savesBefore + 1);
    assertThat(FileSessionStore.of(file).loadCookies())
        .extracting(Cookie::name)
        .containsExactlyInAnyOrder("rt", "pref");
  }

  @Test
  void logoutCallRunsOutsideTheStoreLock() throws Exception {
    File file = new File(folder, "session.json");
    TokenPairAuth auth = builder().sessionStore(FileSessionStore.of(file)).build();
    auth.login(login());
    CountDownLatch logoutArrived = new CountDownLatch(1);
    CountDownLatch answerLogout = new CountDownLatch(1);
    front =
        request -> {
          if (!request.getUrl().encodedPath().equals("/auth/logout")) return null;
          logoutArrived.countDown();
          answerLogout.await(10, TimeUnit.SECONDS);
          return null;
        };

    Future<?> logout =
        threads.submit(
            () -> {
              auth.logout();
              return null;
            });
    assertThat(logoutArrived.await(10, TimeUnit.SECONDS)).isTrue();
    CountDownLatch locked = new CountDownLatch(1);
    Future<?> otherProcess = holdLock(FileSessionStore.of(file), locked, new CountDownLatch(0));
    assertThat(locked.await(5, TimeUnit.SECONDS)).isTrue();
    answerLogout.countDown();
    await(logout);
    await(otherProcess);
    assertThat(auth.accessToken()).isNull();
  }

  @Test
  void onlySessionStoreSharesTheSession() throws Exception {
    FlakyStore store = new FlakyStore(FileSessionStore.of(new File(folder, "session.json")));
    TokenPairAuth auth = builder().cookieStore(store).tokenStore(store).build();
    OkHttpClient client = client(auth);
    auth.login(login());
    tokens.expireAccessTokens();
    assertThat(status(client, "/api/me")).isEqualTo(200);
    auth.logout();

    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(store.locks).hasValue(0);
  }

  private Future<?> holdLock(SessionStore store, CountDownLatch locked, CountDownLatch unlock) {
    return threads.submit(
        () -> {
          try (Closeable lock = store.lock()) {
            locked.countDown();
            unlock.await(10, TimeUnit.SECONDS);
          }
          return null;
        });
  }

  // 5. Token age and clocks.

  @Test
  void deviceClockTenMinutesAheadRefreshesAheadOnceNotOnEveryCall() throws Exception {
    tokens(
        TokenServerDispatcher.builder().accessTokenLifetime(60, TimeUnit.SECONDS),
        -TimeUnit.MINUTES.toMillis(10));
    assertRefreshedAheadOncePerLifetime();
  }

  @Test
  void deviceClockTenMinutesBehindRefreshesBeforeTheServerRejectsTheToken() throws Exception {
    tokens(
        TokenServerDispatcher.builder().accessTokenLifetime(60, TimeUnit.SECONDS),
        TimeUnit.MINUTES.toMillis(10));
    assertRefreshedAheadOncePerLifetime();
  }

  private void assertRefreshedAheadOncePerLifetime() throws Exception {
    TokenPairAuth auth = builder().refreshAhead(20, TimeUnit.SECONDS).build();
    OkHttpClient client = client(auth);
    auth.login(login());
    for (int i = 0; i < 5; i++) assertThat(status(client, "/api/me")).isEqualTo(200);
    assertThat(tokens.refreshCount()).isZero();

    for (int lifetime = 1; lifetime <= 3; lifetime++) {
      clock.advance(45, TimeUnit.SECONDS); // 15 s before expiry: inside the 20 s margin.
      assertThat(status(client, "/api/me")).isEqualTo(200);
      assertThat(status(client, "/api/me")).isEqualTo(200);
      assertThat(tokens.refreshCount()).isEqualTo(lifetime);
    }
    assertThat(tokens.expiredCount()).isZero();
  }

  @Test
  void tokenReceivedLateInItsLifeIsRefreshedAheadByItsIat() throws Exception {
    long nowSeconds = clock.currentTimeMillis() / 1000;
    String old =
        JwtTest.jwt("{\"iat\":" + (nowSeconds - 590) + ",\"exp\":" + (nowSeconds + 10) + "}");
    AtomicInteger refreshes = new AtomicInteger();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            String path = request.getUrl().encodedPath();
            if (path.equals("/auth/login")) {
              return tokenResponse(old).addHeader("Set-Cookie", "rt=r1; Path=/auth").build();
            }
            if (path.equals("/auth/refresh")) {
              refreshes.incrementAndGet();
              long now = clock.currentTimeMillis() / 1000;
              String fresh = JwtTest.jwt("{\"iat\":" + now + ",\"exp\":" + (now + 600) + "}");
              return tokenResponse(fresh).addHeader("Set-Cookie", "rt=r2; Path=/auth").build();
            }
            return new MockResponse.Builder().body("ok").build();
          }
        });
    TokenPairAuth auth = builder().refreshAhead(30, TimeUnit.SECONDS).build();
    OkHttpClient client = client(auth);
    auth.login(login());
    assertThat(status(client, "/api/me")).isEqualTo(200);
    assertThat(refreshes).hasValue(1);
  }

  private static String httpDate(long millis) {
    java.text.SimpleDateFormat format =
        new java.text.SimpleDateFormat("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US);
    format.setTimeZone(java.util.TimeZone.getTimeZone("GMT"));
    return format.format(new java.util.Date(millis));
  }

  private MockResponse.Builder tokenResponse(String token) {
    return new MockResponse.Builder()
        .addHeader("Date", httpDate(clock.currentTimeMillis()))
        .addHeader("Content-Type", "application/json")
        .body("{\"data\":{\"access_token\":\"" + token + "\"}}");
  }

  @Test
  void coldStartWithALapsedStoredTokenRefreshesBeforeTheFirstCall() throws Exception {
    tokens(TokenServerDispatcher.builder().accessTokenLifetime(60, TimeUnit.SECONDS));
    File file = new File(folder, "session.json");
    TokenPairAuth first = builder().sessionStore(FileSessionStore.of(file)).build();
    first.login(login());
    clock.advance(10, TimeUnit.MINUTES); // The app was closed; the stored token lapsed.

    TokenPairAuth restarted =
        builder()
            .sessionStore(FileSessionStore.of(file))
            .refreshAhead(20, TimeUnit.SECONDS)
            .build();
    OkHttpClient client = client(restarted);
    assertThat(status(client, "/api/me")).isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(tokens.expiredCount()).isZero();
    assertThat(listener.events)
        .extracting(RefreshEvent::trigger)
        .containsExactly(RefreshEvent.Trigger.COLD_START);
  }

  // 7. A refresh answer lost on the wire.

  @Test
  void refreshWhoseAnswerIsLostIsRetriedOnceAndSucceedsWithinTheRotationGrace() throws Exception {
    tokens(TokenServerDispatcher.builder().rotationGrace(10, TimeUnit.SECONDS));
    TokenPairAuth auth = builder().build();
    OkHttpClient client = client(auth);
    auth.login(login());
    cutNextRefreshAnswer();

    tokens.expireAccessTokens();
    assertThat(status(client, "/api/me")).isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(2);
    tokens.expireAccessTokens();
    assertThat(status(client, "/api/me")).isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(3);
    assertThat(tokens.reuseDetectedCount()).isZero();
    assertThat(listener.expired).hasValue(0);
  }

  @Test
  void lostRefreshAnswerWithoutARotationGraceEndsTheSessionOnce() throws Exception {
    TokenPairAuth auth = builder().build();
    OkHttpClient client = client(auth);
    auth.login(login());
    cutNextRefreshAnswer();

    tokens.expireAccessTokens();
    assertThat(status(client, "/api/me")).isEqualTo(401);
    assertThat(tokens.refreshCount()).isEqualTo(2);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(1);
    assertThat(listener.expired).hasValue(1);
  }

  @Test
  void serverErrorDuringRefreshIsNotRetried() throws Exception {
    TokenPairAuth auth = builder().build();
    OkHttpClient client = client(auth);
    auth.login(login());
    tokens.failNextRefresh(503);

    tokens.expireAccessTokens();
    assertThat(status(client, "/api/me")).isEqualTo(401);
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(status(client, "/api/me")).isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(2);
  }

  /** The server handles the next refresh (and rotates), then closes the connection unanswered. */
  private void cutNextRefreshAnswer() {
    AtomicInteger cuts = new AtomicInteger(1);
    TokenServerDispatcher server = tokens;
    front =
        request -> {
          if (!request.getUrl().encodedPath().equals("/auth/refresh")) return null;
          MockResponse answer = server.dispatch(request);
          if (cuts.getAndDecrement() <= 0) return answer;
          return answer.newBuilder().onResponseStart(new SocketEffect.CloseSocket()).build();
        };
  }

  /** A session store around a real one that can fail, and counts. */
  static final class FlakyStore implements SessionStore {
    private final SessionStore delegate;
    final AtomicInteger locks = new AtomicInteger();
    final AtomicInteger cookieSaves = new AtomicInteger();
    volatile boolean failSaveCookies;

    FlakyStore(SessionStore delegate) {
      this.delegate = delegate;
    }

    synchronized void awaitCookieSaves(int n) throws InterruptedException {
      while (cookieSaves.get() < n) wait();
    }

    @Override
    public Closeable lock() throws IOException {
      locks.incrementAndGet();
      return delegate.lock();
    }

    @Override
    public String loadAccessToken() throws IOException {
      return delegate.loadAccessToken();
    }

    @Override
    public void saveAccessToken(String accessToken) throws IOException {
      delegate.saveAccessToken(accessToken);
    }

    @Override
    public List<Cookie> loadCookies() throws IOException {
      return delegate.loadCookies();
    }

    @Override
    public void saveCookies(List<Cookie> cookies) throws IOException {
      if (failSaveCookies) throw new IOException("disk full");
      delegate.saveCookies(cookies);
      synchronized (this) {
        cookieSaves.incrementAndGet();
        notifyAll();
      }
    }
  }

  /** A {@link java.time.Clock} that reads a {@link FakeClock}, shifted. */
  static final class ShiftedClock extends java.time.Clock {
    private final FakeClock clock;
    private final long shiftMillis;

    ShiftedClock(FakeClock clock, long shiftMillis) {
      this.clock = clock;
      this.shiftMillis = shiftMillis;
    }

    @Override
    public long millis() {
      return clock.currentTimeMillis() + shiftMillis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
