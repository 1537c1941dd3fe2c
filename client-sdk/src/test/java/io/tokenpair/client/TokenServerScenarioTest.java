package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.File;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The SDK against the published test dispatcher, the way app developers will test it. */
@Timeout(10)
final class TokenServerScenarioTest {
  @StartStop public final MockWebServer server = new MockWebServer();

  private final RecordingListener listener = new RecordingListener();

  private TokenPairAuth auth(TokenServerDispatcher tokens, CookieStore cookies) {
    server.setDispatcher(tokens);
    return TokenPairAuth.builder()
        .baseUrl(server.url("/"))
        .cookieStore(cookies)
        .listener(listener)
        .build();
  }

  private Request login() {
    return DemoLogin.request(server);
  }

  private static int status(OkHttpClient client, Request request) throws IOException {
    try (Response response = client.newCall(request).execute()) {
      return response.code();
    }
  }

  @Test
  void expiredStatus419IsRefreshedAndReplayed() throws IOException {
    TokenServerDispatcher tokens = TokenServerDispatcher.builder().expiredStatus(419).build();
    TokenPairAuth auth = auth(tokens, CookieStore.inMemory());
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(login());
    tokens.expireAccessTokens();

    assertThat(status(client, new Request.Builder().url(server.url("/api/me")).build()))
        .isEqualTo(200);
    assertThat(tokens.expiredCount()).isEqualTo(1);
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(listener.refreshed).hasSize(1);
  }

  @Test
  void staleRefreshCookieTripsReuseDetectionAndEndsTheSessionOnce() throws IOException {
    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    CookieStore cookies = CookieStore.inMemory();
    TokenPairAuth auth = auth(tokens, cookies);
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(login());
    java.util.List<okhttp3.Cookie> stale = cookies.loadCookies();
    tokens.expireAccessTokens();
    assertThat(status(client, new Request.Builder().url(server.url("/api/a")).build()))
        .isEqualTo(200);

    // The rotated cookie is lost (say, a crash before it was saved): the old one comes back.
    cookies.saveCookies(stale);
    TokenPairAuth restarted = auth(tokens, cookies);
    OkHttpClient restartedClient = restarted.install(new OkHttpClient.Builder()).build();
    assertThat(status(restartedClient, new Request.Builder().url(server.url("/api/b")).build()))
        .isEqualTo(401);

    assertThat(tokens.reuseDetectedCount()).isEqualTo(1);
    assertThat(listener.expired).hasValue(1);
    assertThat(restarted.accessToken()).isNull();
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
  }

  @Test
  void refreshAheadMeansNoExpiredAnswersInTheSteadyState() throws IOException {
    FakeClock clock = new FakeClock();
    TokenServerDispatcher tokens =
        TokenServerDispatcher.builder()
            .accessTokenLifetime(60, TimeUnit.SECONDS)
            .clock(new ClockAdapter(clock))
            .build();
    server.setDispatcher(tokens);
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .refreshAhead(10, TimeUnit.SECONDS)
            .clock(clock)
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(login());
    for (int minute = 0; minute < 5; minute++) {
      for (int second = 0; second < 60; second += 5) {
        clock.advance(5, TimeUnit.SECONDS);
        assertThat(status(client, new Request.Builder().url(server.url("/api/me")).build()))
            .isEqualTo(200);
      }
    }
    assertThat(tokens.expiredCount()).isEqualTo(0);
    assertThat(tokens.refreshCount())
        .isEqualTo(6); // At 50 s, 100 s, ... 300 s: 10 s before each exp.
  }

  @Test
  void failedCookieWriteHoldsTheTokenBackAndKeepsTheRotationInMemory() throws IOException {
    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    FlakyCookieStore cookies = new FlakyCookieStore();
    TokenPairAuth auth = auth(tokens, cookies);
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    String first = auth.login(login());
    tokens.expireAccessTokens();
    cookies.fail = true;

    assertThat(status(client, new Request.Builder().url(server.url("/api/a")).build()))
        .isEqualTo(401);
    assertThat(listener.storageErrors)
        .extracting(Throwable::getMessage)
        .containsExactly("disk full");
    assertThat(auth.accessToken()).isEqualTo(first);
    assertThat(listener.refreshed).isEmpty();

    cookies.fail = false;
    assertThat(status(client, new Request.Builder().url(server.url("/api/b")).build()))
        .isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(2);
    assertThat(tokens.reuseDetectedCount())
        .isEqualTo(0); // The second refresh used the rotated cookie.
  }

  @Test
  void stalledCookieWriteHoldsTheTokenBackUntilItIsDurable() throws Exception {
    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    FlakyCookieStore cookies = new FlakyCookieStore();
    TokenPairAuth auth = auth(tokens, cookies);
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    String first = auth.login(login());
    tokens.expireAccessTokens();
    cookies.stall = new CountDownLatch(1);
    java.util.concurrent.FutureTask<Integer> call =
        new java.util.concurrent.FutureTask<>(
            () -> status(client, new Request.Builder().url(server.url("/api/me")).build()));
    new Thread(call).start();
    cookies.stalled.await();

    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(tokens.requestCount("/api/me")).isEqualTo(1); // Only the expired attempt.
    assertThat(auth.accessToken()).isEqualTo(first);
    cookies.stall.countDown();
    assertThat(call.get()).isEqualTo(200);
    assertThat(tokens.requestCount("/api/me")).isEqualTo(2);
  }

  @Test
  void sessionFileSurvivesARestart(@TempDir File folder) throws IOException {
    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    File file = new File(folder, "session.json");
    server.setDispatcher(tokens);
    TokenPairAuth first =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .sessionStore(FileSessionStore.of(file))
            .build();
    String token = first.login(login());

    TokenPairAuth restarted =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .sessionStore(FileSessionStore.of(file))
            .build();
    OkHttpClient client = restarted.install(new OkHttpClient.Builder()).build();
    assertThat(restarted.accessToken()).isEqualTo(token);
    tokens.expireAccessTokens();
    assertThat(status(client, new Request.Builder().url(server.url("/api/me")).build()))
        .isEqualTo(200);
    assertThat(tokens.loginCount()).isEqualTo(1);
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(FileSessionStore.of(file).loadAccessToken()).isEqualTo(restarted.accessToken());
  }

  @Test
  void corruptSessionFileMeansSignedOutWithAnEvent(@TempDir File folder) throws IOException {
    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    server.setDispatcher(tokens);
    File file = new File(folder, "session.json");
    java.nio.file.Files.write(file.toPath(), new byte[] {'{', 0, 1});
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .sessionStore(FileSessionStore.of(file))
            .listener(listener)
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();

    assertThat(auth.accessToken()).isNull();
    assertThat(status(client, new Request.Builder().url(server.url("/api/me")).build()))
        .isEqualTo(401);
    assertThat(tokens.refreshCount()).isEqualTo(0);
    assertThat(listener.storageErrors)
        .extracting(Throwable::getMessage)
        .containsOnly("The session file " + file + " is corrupt.");
    auth.login(login()); // Signing in again replaces the file.
    assertThat(FileSessionStore.of(file).loadAccessToken()).isEqualTo(auth.accessToken());
  }

  /** A cookie store that can fail or stall its writes. */
  static final class FlakyCookieStore implements CookieStore {
    private final CookieStore delegate = CookieStore.inMemory();
    volatile boolean fail;
    volatile CountDownLatch stall;
    final CountDownLatch stalled = new CountDownLatch(1);

    @Override
    public java.util.List<okhttp3.Cookie> loadCookies() throws IOException {
      return delegate.loadCookies();
    }

    @Override
    public void saveCookies(java.util.List<okhttp3.Cookie> cookies) throws IOException {
      if (fail) throw new IOException("disk full");
      CountDownLatch gate = stall;
      if (gate != null) {
        stalled.countDown();
        try {
          gate.await();
        } catch (InterruptedException e) {
          throw new java.io.InterruptedIOException();
        }
      }
      delegate.saveCookies(cookies);
    }
  }

  /** Lets the server's java.time clock follow the SDK's fake clock. */
  static final class ClockAdapter extends java.time.Clock {
    private final FakeClock clock;

    ClockAdapter(FakeClock clock) {
      this.clock = clock;
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return java.time.Instant.ofEpochMilli(clock.currentTimeMillis());
    }
  }
}
