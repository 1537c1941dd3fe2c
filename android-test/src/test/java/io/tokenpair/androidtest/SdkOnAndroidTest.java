package io.tokenpair.androidtest;

import static org.assertj.core.api.Assertions.assertThat;

import android.os.Build;
import io.tokenpair.client.FileSessionStore;
import io.tokenpair.client.RefreshEvent;
import io.tokenpair.client.RefreshProtocol;
import io.tokenpair.client.SessionListener;
import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.File;
import java.io.IOException;
import java.text.SimpleDateFormat;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.TimeZone;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;
import org.robolectric.annotation.Config;

/**
 * client-sdk on Android's framework (Robolectric), at the SDK's minimum API and at API 35, against
 * the published test dispatcher on loopback. Waits are bounded ({@code get} with a timeout); the
 * fork has a time limit in the POM.
 */
@RunWith(RobolectricTestRunner.class)
@Config(sdk = {26, 35})
public final class SdkOnAndroidTest {
  private final MockWebServer server = new MockWebServer();
  private final ServerClock serverClock = new ServerClock();
  private final Events events = new Events();
  private final ExecutorService callers = Executors.newCachedThreadPool();

  @Before
  public void start() throws IOException {
    assertThat(Build.VERSION.SDK_INT).isIn(26, 35); // The framework of the @Config SDK is loaded.
    server.start();
  }

  @After
  public void stop() {
    callers.shutdownNow();
    server.close();
  }

  private TokenServerDispatcher tokens(TokenServerDispatcher.Builder builder) {
    TokenServerDispatcher tokens = builder.clock(serverClock).build();
    server.setDispatcher(tokens);
    return tokens;
  }

  private TokenPairAuth.Builder auth() {
    return TokenPairAuth.builder().baseUrl(server.url("/")).listener(events);
  }

  private Request login() {
    return DemoLogin.request(server);
  }

  private int get(OkHttpClient client, String path) throws IOException {
    try (Response response =
        client.newCall(new Request.Builder().url(server.url(path)).build()).execute()) {
      return response.code();
    }
  }

  @Test
  public void expiredCallIsRefreshedOnceAndReplayed() throws Exception {
    TokenServerDispatcher tokens = tokens(TokenServerDispatcher.builder());
    File file = new File(RuntimeEnvironment.getApplication().getFilesDir(), "session.json");
    TokenPairAuth auth = auth().sessionStore(FileSessionStore.of(file)).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    String first = auth.login(login());
    assertThat(get(client, "/api/me")).isEqualTo(200);

    tokens.expireAccessTokens();
    assertThat(get(client, "/api/me")).isEqualTo(200);

    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(auth.accessToken()).isNotEqualTo(first);
    assertThat(FileSessionStore.of(file).loadAccessToken()).isEqualTo(auth.accessToken());
    assertThat(events.await(1)).containsExactly("EXPIRED_STATUS REFRESHED");
  }

  @Test
  public void concurrentExpiredCallsShareOneRefresh() throws Exception {
    TokenServerDispatcher tokens = tokens(TokenServerDispatcher.builder());
    TokenPairAuth auth = auth().build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(login());
    tokens.expireAccessTokens();

    int n = 16;
    CyclicBarrier start = new CyclicBarrier(n);
    List<Future<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String path = "/api/" + i;
      calls.add(
          callers.submit(
              () -> {
                start.await(10, TimeUnit.SECONDS);
                return get(client, path);
              }));
    }
    for (Future<Integer> call : calls) {
      assertThat(call.get(20, TimeUnit.SECONDS)).isEqualTo(200);
    }

    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0);
    assertThat(events.await(1)).containsExactly("EXPIRED_STATUS REFRESHED");
  }

  @Test
  public void oauth2RefreshRotatesAndStoresTheRefreshToken() throws Exception {
    TokenServerDispatcher tokens = tokens(TokenServerDispatcher.builder().passwordGrant());
    File file = new File(RuntimeEnvironment.getApplication().getFilesDir(), "oauth2.json");
    TokenPairAuth auth =
        auth()
            .refreshProtocol(RefreshProtocol.oauth2(server.url("/oauth/token"), "tokenpair-demo"))
            .sessionStore(FileSessionStore.of(file))
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(
        new Request.Builder()
            .url(server.url("/oauth/token"))
            .post(
                RequestBody.create(
                    "grant_type=password&username=demo&password=demo-password"
                        + "&client_id=tokenpair-demo",
                    MediaType.get("application/x-www-form-urlencoded")))
            .build());
    String refreshToken = FileSessionStore.of(file).loadRefreshToken();
    tokens.expireAccessTokens();

    assertThat(get(client, "/api/me")).isEqualTo(200);

    assertThat(tokens.tokenRefreshCount()).isEqualTo(1);
    assertThat(FileSessionStore.of(file).loadRefreshToken()).isNotNull().isNotEqualTo(refreshToken);
    assertThat(events.await(1)).containsExactly("EXPIRED_STATUS REFRESHED");
  }

  @Test
  public void tokenNearItsExpiryIsRefreshedBeforeTheCall() throws Exception {
    // The token issuer's clock lags 45 s behind the HTTP front's Date header (as for a token that
    // the server had cached): the 60 s token the login gets has 15 s left by the Date header.
    serverClock.advance(-45, TimeUnit.SECONDS);
    TokenServerDispatcher tokens =
        TokenServerDispatcher.builder()
            .accessTokenLifetime(60, TimeUnit.SECONDS)
            .clock(serverClock)
            .build();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            return tokens.dispatch(request).newBuilder().setHeader("Date", httpDate()).build();
          }
        });
    TokenPairAuth auth = auth().refreshAhead(20, TimeUnit.SECONDS).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(login());
    serverClock.advance(45, TimeUnit.SECONDS); // From now on the issuer's tokens are fresh.

    assertThat(get(client, "/api/a")).isEqualTo(200); // 15 s left, inside the 20 s margin.
    assertThat(get(client, "/api/b")).isEqualTo(200);

    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(tokens.expiredCount()).isEqualTo(0);
    assertThat(events.await(1)).containsExactly("AHEAD_OF_EXPIRY REFRESHED");
  }

  private static String httpDate() {
    SimpleDateFormat format = new SimpleDateFormat("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
    format.setTimeZone(TimeZone.getTimeZone("GMT"));
    return format.format(new Date());
  }

  /** The server's wall clock, which a test moves forward. */
  private static final class ServerClock extends Clock {
    private final AtomicLong offsetMillis = new AtomicLong();

    void advance(long duration, TimeUnit unit) {
      offsetMillis.addAndGet(unit.toMillis(duration));
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(System.currentTimeMillis() + offsetMillis.get());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  /** The listener's refresh events as lines; they arrive on the SDK's refresh thread. */
  private static final class Events implements SessionListener {
    private final List<String> lines = new ArrayList<>(); // Guarded by this.

    @Override
    public synchronized void onRefreshEvent(RefreshEvent event) {
      lines.add(event.trigger() + " " + event.outcome());
      notifyAll();
    }

    /** Returns the lines once there are {@code count}, or after 10 s. */
    synchronized List<String> await(int count) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      for (long left; lines.size() < count && (left = deadline - System.nanoTime()) > 0; ) {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return new ArrayList<>(lines);
    }
  }
}
