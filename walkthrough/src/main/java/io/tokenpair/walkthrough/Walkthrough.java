package io.tokenpair.walkthrough;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenpair.client.CookieStore;
import io.tokenpair.client.SessionListener;
import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.demo.DemoConfig;
import io.tokenpair.demo.DemoConfig.CaptchaMode;
import io.tokenpair.demo.DemoServer;
import io.tokenpair.demo.Main;
import io.tokenpair.demo.TokenService;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import okhttp3.Cookie;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * {@code java -jar walkthrough/target/walkthrough.jar}: starts a {@link DemoServer} in-process on a
 * free loopback port with {@link #ACCESS_TTL 3-second} access tokens and {@code --captcha reveal},
 * then runs a scripted session through the client SDK ({@link TokenPairAuth}) and prints a
 * timeline: login, protected calls, a silent refresh after expiry, {@link #PARALLEL_CALLS} parallel
 * calls sharing one refresh, rotation, a replayed refresh token revoking its family, proactive
 * refresh, and a logout elsewhere that ends the session at the next call.
 *
 * <p>Every step checks what happened, with counts read from {@code /metrics} and from the wire (a
 * network interceptor); the first surprise stops the run with exit code 1 and a message on stderr.
 * Tokens and cookie values are never printed: refresh cookies appear as {@code rt#1}, {@code rt#2},
 * ... with the first hex digits of their SHA-256.
 *
 * <p>Time comes from a {@link Time}: real sleeps for the command, a test's clock in tests. Not
 * thread-safe; run each instance once.
 */
public final class Walkthrough {
  static final Duration ACCESS_TTL = Duration.ofSeconds(3);
  static final int PARALLEL_CALLS = 50;
  static final int CALLS_AFTER_REUSE = 10;

  /** How often client B calls while it shows proactive refresh. */
  static final Duration PROACTIVE_INTERVAL = Duration.ofMillis(500);

  private static final MediaType JSON = MediaType.get("application/json");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  /** The name of the server's refresh cookie. */
  private static final String REFRESH_COOKIE = "rt";

  /** Where the walkthrough's time comes from: the wall clock and real sleeps, or a test's. */
  interface Time {
    /** The clock of the server and of the timeline. */
    Clock clock();

    /** Lets {@code duration} pass. */
    void sleep(Duration duration) throws InterruptedException;

    Time REAL =
        new Time() {
          @Override
          public Clock clock() {
            return Clock.systemUTC();
          }

          @Override
          public void sleep(Duration duration) throws InterruptedException {
            Thread.sleep(duration.toMillis());
          }
        };
  }

  /** A step did not behave as expected. */
  static final class StepFailed extends Exception {
    private static final long serialVersionUID = 1L;

    StepFailed(String message) {
      super(message, null, false, false);
    }
  }

  private final PrintStream out;
  private final Time time;
  private final Supplier<TokenPairAuth.Builder> sdk;
  private final int passwordIterations;
  private final OkHttpClient plain =
      new OkHttpClient.Builder().callTimeout(CALL_TIMEOUT).retryOnConnectionFailure(false).build();
  private final List<Client> clients = new ArrayList<>();
  private Instant start;
  private DemoServer server;
  private String step = "start";

  /**
   * @param sdk a new SDK builder for each client; the walkthrough sets everything but the clock
   * @param passwordIterations PBKDF2 iterations of the server's password hashes
   */
  Walkthrough(
      PrintStream out, Time time, Supplier<TokenPairAuth.Builder> sdk, int passwordIterations) {
    this.out = out;
    this.time = time;
    this.sdk = sdk;
    this.passwordIterations = passwordIterations;
  }

  /**
   * Runs the walkthrough in real time (about 30 seconds) with the server's default password
   * hashing, and exits with 0 when every step behaved as expected, 1 otherwise. Takes no arguments.
   */
  public static void main(String[] args) {
    if (args.length > 0) {
      System.err.println("Usage: java -jar walkthrough.jar (it takes no arguments)");
      System.exit(2);
    }
    Main.applySystemProperties();
    var code =
        new Walkthrough(
                System.out,
                Time.REAL,
                TokenPairAuth::builder,
                DemoConfig.DEFAULT_PASSWORD_ITERATIONS)
            .run(System.err);
    System.exit(code);
  }

  /** Runs every step; returns 0, or 1 after explaining on {@code err} which step went wrong. */
  int run(PrintStream err) {
    try {
      script();
      return 0;
    } catch (StepFailed e) {
      return fail(err, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail(err, "interrupted.");
    } catch (IOException | RuntimeException | ExecutionException | TimeoutException e) {
      return fail(err, "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage());
    } finally {
      if (server != null) server.stop();
      for (var client : clients) client.close();
      plain.dispatcher().executorService().shutdown();
      plain.connectionPool().evictAll();
    }
  }

  private int fail(PrintStream err, String message) {
    out.flush();
    err.println("walkthrough FAILED at step '" + step + "': " + message);
    err.flush();
    return 1;
  }

  private void script()
      throws StepFailed, IOException, InterruptedException, ExecutionException, TimeoutException {
    start = time.clock().instant();
    step = "start the server";
    var config =
        DemoConfig.builder()
            .host("127.0.0.1")
            .port(0)
            .accessTtl(ACCESS_TTL)
            .captcha(CaptchaMode.REVEAL)
            .passwordIterations(passwordIterations)
            .clock(time.clock())
            .build();
    server = new DemoServer(config).start();
    say(
        "demo-server started in-process on "
            + server.baseUrl()
            + ": access tokens live "
            + ACCESS_TTL.toSeconds()
            + " s (+"
            + TokenService.LEEWAY_SECONDS
            + " s clock leeway), --captcha reveal");

    // Client A: reactive only, so that every 401 shows.
    step = "sign in";
    var a = new Client("A", 0);
    say("client A: TokenPairAuth with refreshAhead off (it refreshes only when a call fails)");
    signIn(a);

    step = "protected calls";
    for (var path : List.of("/api/me", "/api/notes", "/api/me")) {
      expectStatus(a, path, 200);
      say("A: GET " + path + " -> 200");
    }
    expectMetric("refreshes", refreshes("ok"), 0);

    step = "silent refresh";
    waitUntilRejected(a.auth.accessToken());
    var expired0 = a.expired.get();
    var ok0 = refreshes("ok");
    var rtBefore = a.cookies.current();
    expectStatus(a, "/api/me", 200);
    var expiredSeen = a.expired.get() - expired0;
    var refreshed = refreshes("ok") - ok0;
    expect("401s on the wire", expiredSeen, 1);
    expectMetric("refreshes", refreshed, 1);
    say("A: GET /api/me -> 200, silently: 401 token_expired, POST /auth/refresh, replay");
    say(
        "   on the wire: "
            + expiredSeen
            + " x 401; refreshes per /metrics: "
            + refreshed
            + "; the app saw only the 200");
    expectRotated(a, rtBefore);

    step = PARALLEL_CALLS + " parallel calls after expiry";
    waitUntilRejected(a.auth.accessToken());
    expired0 = a.expired.get();
    ok0 = refreshes("ok");
    rtBefore = a.cookies.current();
    var codes = parallel(a, "/api/notes", PARALLEL_CALLS);
    expect("answers 200", count(codes, 200), PARALLEL_CALLS);
    refreshed = refreshes("ok") - ok0;
    expectMetric("refreshes", refreshed, 1);
    say(
        "A: "
            + PARALLEL_CALLS
            + " parallel GET /api/notes -> "
            + PARALLEL_CALLS
            + " x 200; "
            + (a.expired.get() - expired0)
            + " x 401 on the wire; refreshes per /metrics: "
            + refreshed
            + " (single flight)");
    expectRotated(a, rtBefore);

    step = "replayed refresh token";
    var stolen = a.cookies.first();
    var reuse0 = refreshes("reuse_detected");
    var rejected0 = refreshes("rejected");
    var replay =
        plainCall(
            new Request.Builder()
                .url(server.baseUrl() + "/auth/refresh")
                .header("Cookie", "rt=" + stolen)
                .post(RequestBody.create(new byte[0])));
    expect("status of the replay", replay.code, 401);
    expect("error of the replay", replay.json().path("error").asText(), "refresh_token_reused");
    expectMetric("reuse_detected refreshes", refreshes("reuse_detected") - reuse0, 1);
    say(
        "an attacker replays the consumed "
            + a.cookies.label(stolen)
            + " -> 401 refresh_token_reused: the server revokes the whole family");
    var expiredEvents0 = a.sessionExpired.get();
    codes = parallel(a, "/api/me", CALLS_AFTER_REUSE);
    expect("answers 401", count(codes, 401), CALLS_AFTER_REUSE);
    expect("onSessionExpired calls", a.sessionExpired.get() - expiredEvents0, 1);
    expectMetric("rejected refreshes", refreshes("rejected") - rejected0, 1);
    if (a.auth.accessToken() != null) throw new StepFailed("A still holds an access token.");
    say(
        "A: "
            + CALLS_AFTER_REUSE
            + " parallel GET /api/me with A's unexpired token -> "
            + CALLS_AFTER_REUSE
            + " x 401 (session revoked); 1 refresh tried and refused;"
            + " SessionListener.onSessionExpired() called once");

    // Client B: proactive refresh.
    step = "proactive refresh";
    var b = new Client("B", 30);
    say("client B: TokenPairAuth with refreshAhead 30 s (capped at half a token's life)");
    signIn(b);
    var deadline =
        expiry(b.auth.accessToken()).plusSeconds(TokenService.LEEWAY_SECONDS).plusSeconds(1);
    var from = time.clock().instant();
    ok0 = refreshes("ok");
    expired0 = b.expired.get();
    int calls = 0;
    var rt = b.cookies.current();
    var token = b.auth.accessToken();
    while (time.clock().instant().isBefore(deadline)) {
      var sentAt = time.clock().instant();
      expectStatus(b, "/api/me", 200);
      calls++;
      if (!b.cookies.current().equals(rt)) {
        say(
            String.format(
                Locale.ROOT,
                "B: GET /api/me -> 200; refreshed before sending, %.1f s before the token's"
                    + " expiry: %s -> %s",
                Duration.between(sentAt, expiry(token)).toMillis() / 1000.0,
                b.cookies.label(rt),
                b.cookies.label(b.cookies.current())));
        rt = b.cookies.current();
        token = b.auth.accessToken();
      }
      time.sleep(PROACTIVE_INTERVAL);
    }
    refreshed = refreshes("ok") - ok0;
    expect("401s on the wire", b.expired.get() - expired0, 0);
    if (refreshed < 2) {
      throw new StepFailed("expected at least 2 refreshes ahead of expiry, got " + refreshed + ".");
    }
    say(
        String.format(
            Locale.ROOT,
            "B: GET /api/me every %.1f s for %.1f s -> %d x 200, 0 x 401 on the wire;"
                + " %d refreshes ahead of expiry (per /metrics)",
            PROACTIVE_INTERVAL.toMillis() / 1000.0,
            Duration.between(from, time.clock().instant()).toMillis() / 1000.0,
            calls,
            refreshed));

    step = "logout";
    if (b.auth.accessToken() == null) throw new StepFailed("B holds no access token.");
    var logout =
        plainCall(
            new Request.Builder()
                .url(server.baseUrl() + "/auth/logout")
                .header("Authorization", "Bearer " + b.auth.accessToken())
                .post(RequestBody.create(new byte[0])));
    expect("status of the logout", logout.code, 204);
    say("B's session is signed out on another device: POST /auth/logout -> 204 (takes effect now)");
    expiredEvents0 = b.sessionExpired.get();
    expectStatus(b, "/api/me", 401);
    expect("onSessionExpired calls", b.sessionExpired.get() - expiredEvents0, 1);
    say(
        "B: GET /api/me -> 401; the refresh is refused and SessionListener.onSessionExpired()"
            + " says the session ended");

    step = "summary";
    say(
        "/metrics: logins ok "
            + metric("tokenpair_login_total{outcome=\"ok\"}")
            + ", refreshes ok "
            + refreshes("ok")
            + ", reuse_detected "
            + refreshes("reuse_detected")
            + ", rejected "
            + refreshes("rejected")
            + ", logouts "
            + metric("tokenpair_logout_total"));
    say("walkthrough complete: every step behaved as expected");
  }

  // ---------------------------------------------------------------------------------------------
  // Steps.

  private void signIn(Client client) throws IOException, StepFailed {
    var captcha = plainCall(new Request.Builder().url(server.baseUrl() + "/auth/captcha"));
    expect("status of GET /auth/captcha", captcha.code, 200);
    var data = captcha.json().path("data");
    var answer = data.path("answer").asText();
    say(
        client.name
            + ": GET /auth/captcha -> 200, answer "
            + answer
            + " (revealed by --captcha reveal)");
    var body = MAPPER.createObjectNode();
    body.put("username", DemoConfig.DEFAULT_USER);
    body.put("password", DemoConfig.DEFAULT_PASSWORD);
    body.put("captcha_id", data.path("captcha_id").asText());
    body.put("captcha", answer);
    client.auth.login(
        new Request.Builder()
            .url(server.baseUrl() + "/auth/login")
            .post(RequestBody.create(MAPPER.writeValueAsString(body), JSON))
            .build());
    var token = client.auth.accessToken();
    if (token == null) throw new StepFailed("no access token after the login.");
    var rt = client.cookies.current();
    if (rt == null) throw new StepFailed("no rt cookie after the login.");
    var lifetime = Duration.between(time.clock().instant(), expiry(token)).toMillis() / 1000.0;
    say(
        String.format(
            Locale.ROOT,
            "%s: POST /auth/login (TokenPairAuth.login) -> 200: access token for %.1f s,"
                + " refresh cookie %s (HttpOnly)",
            client.name,
            lifetime,
            client.cookies.label(rt)));
  }

  /** Lets time pass until the server rejects {@code token}: its expiry plus the leeway. */
  private void waitUntilRejected(String token) throws InterruptedException, StepFailed {
    if (token == null) throw new StepFailed("signed out while waiting for expiry.");
    var rejectedAt = expiry(token).plusSeconds(TokenService.LEEWAY_SECONDS).plusMillis(300);
    var wait = Duration.between(time.clock().instant(), rejectedAt);
    if (wait.isNegative()) return;
    say(
        String.format(
            Locale.ROOT,
            "waiting %.1f s until the server rejects the access token (expiry + %d s leeway) ...",
            wait.toMillis() / 1000.0,
            TokenService.LEEWAY_SECONDS));
    time.sleep(wait);
  }

  private void expectRotated(Client client, String before) throws StepFailed {
    var after = client.cookies.current();
    if (after == null || after.equals(before)) {
      throw new StepFailed("the refresh did not rotate the rt cookie.");
    }
    say(
        "   refresh cookie rotated: "
            + client.cookies.label(before)
            + " -> "
            + client.cookies.label(after));
  }

  private List<Integer> parallel(Client client, String path, int n)
      throws InterruptedException, ExecutionException, TimeoutException {
    return releasedTogether(n, () -> client.status(path));
  }

  /** Runs {@code call} on {@code n} threads released together; returns their results in order. */
  private static <T> List<T> releasedTogether(int n, java.util.concurrent.Callable<T> call)
      throws InterruptedException, ExecutionException, TimeoutException {
    var pool = Executors.newFixedThreadPool(n);
    try {
      var ready = new CountDownLatch(n);
      var go = new CountDownLatch(1);
      var futures = new ArrayList<Future<T>>();
      for (int i = 0; i < n; i++) {
        futures.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  return call.call();
                }));
      }
      if (!ready.await(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw new TimeoutException("the " + n + " callers did not start.");
      }
      go.countDown();
      var results = new ArrayList<T>();
      for (var future : futures)
        results.add(future.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Checks and output.

  private void say(String line) {
    var elapsed = Duration.between(start, time.clock().instant()).toMillis() / 1000.0;
    out.println(String.format(Locale.ROOT, "[%5.1fs] %s", elapsed, line));
    out.flush();
  }

  private static void expect(String what, Object actual, Object expected) throws StepFailed {
    if (expected == null ? actual != null : !expected.equals(actual)) {
      throw new StepFailed(
          "expected " + what + " " + (expected == null ? "none" : expected) + ", got " + actual);
    }
  }

  private static void expectMetric(String what, long actual, long expected) throws StepFailed {
    if (actual != expected) {
      throw new StepFailed(
          "expected " + expected + " " + what + " per /metrics, got " + actual + ".");
    }
  }

  private static void expectStatus(Client client, String path, int expected)
      throws IOException, StepFailed {
    var code = client.status(path);
    if (code != expected) {
      throw new StepFailed(
          client.name + ": expected GET " + path + " -> " + expected + ", got " + code + ".");
    }
  }

  private static int count(List<Integer> codes, int code) {
    return (int) codes.stream().filter(c -> c == code).count();
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP without the SDK.

  /** A response read eagerly. */
  private record Answer(int code, String body) {
    JsonNode json() throws IOException {
      return MAPPER.readTree(body);
    }
  }

  private Answer plainCall(Request.Builder request) throws IOException {
    try (var response = plain.newCall(request.build()).execute()) {
      return new Answer(response.code(), response.body().string());
    }
  }

  private long refreshes(String outcome) throws IOException, StepFailed {
    return metric("tokenpair_refresh_total{outcome=\"" + outcome + "\"}");
  }

  private long metric(String series) throws IOException, StepFailed {
    var answer = plainCall(new Request.Builder().url(server.baseUrl() + "/metrics"));
    for (var line : answer.body.split("\n")) {
      if (line.startsWith(series + " ")) return Long.parseLong(line.substring(series.length() + 1));
    }
    throw new StepFailed("/metrics has no " + series + ".");
  }

  /** The {@code exp} of a JWT, read without verifying it. */
  static Instant expiry(String jwt) throws StepFailed {
    var parts = jwt.split("\\.");
    try {
      var claims = MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
      return Instant.ofEpochSecond(claims.path("exp").asLong());
    } catch (IOException | RuntimeException e) {
      throw new StepFailed("the access token is not a readable JWT.");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // A client app: the SDK installed into an OkHttp client, with a listener and a wire counter.

  private final class Client implements SessionListener, Interceptor {
    final String name;
    final RtCookies cookies = new RtCookies();
    final TokenPairAuth auth;
    final OkHttpClient http;

    /** 401 and 419 answers from {@code /api/*}, as the network saw them. */
    final AtomicInteger expired = new AtomicInteger();

    final AtomicInteger sessionExpired = new AtomicInteger();

    Client(String name, long refreshAheadSeconds) {
      this.name = name;
      this.auth =
          sdk.get()
              .baseUrl(server.baseUrl() + "/")
              .refreshAhead(refreshAheadSeconds, TimeUnit.SECONDS)
              .cookieStore(cookies)
              .listener(this)
              .build();
      this.http =
          auth.install(
                  new OkHttpClient.Builder()
                      .callTimeout(CALL_TIMEOUT)
                      .retryOnConnectionFailure(false)
                      .addNetworkInterceptor(this))
              .build();
      clients.add(this);
    }

    int status(String path) throws IOException {
      var request = new Request.Builder().url(server.baseUrl() + path).build();
      try (var response = http.newCall(request).execute()) {
        return response.code();
      }
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
      var response = chain.proceed(chain.request());
      var code = response.code();
      if (chain.request().url().encodedPath().startsWith("/api/") && (code == 401 || code == 419)) {
        expired.incrementAndGet();
      }
      return response;
    }

    @Override
    public void onSessionExpired() {
      sessionExpired.incrementAndGet();
    }

    void close() {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  /**
   * The SDK's cookie store, remembering each {@code rt} value it has held so that the timeline can
   * name them ({@code rt#2}) without printing them.
   */
  private static final class RtCookies implements CookieStore {
    private final CookieStore delegate = CookieStore.inMemory();

    /** Each rt value seen, in order, with its number. Guarded by this. */
    private final Map<String, Integer> seen = new LinkedHashMap<>();

    /** The rt value stored now, or null. Guarded by this. */
    private String current;

    @Override
    public List<Cookie> loadCookies() throws IOException {
      return delegate.loadCookies();
    }

    @Override
    public void saveCookies(List<Cookie> cookies) throws IOException {
      delegate.saveCookies(cookies);
      String rt = null;
      for (var cookie : cookies) {
        if (cookie.name().equals(REFRESH_COOKIE)) rt = cookie.value();
      }
      synchronized (this) {
        current = rt;
        if (rt != null) seen.putIfAbsent(rt, seen.size() + 1);
      }
    }

    synchronized String current() {
      return current;
    }

    synchronized String first() {
      return seen.keySet().iterator().next();
    }

    /** {@code rt#2 (sha256 1a2b3c4d)}: which one, never its value. */
    synchronized String label(String value) {
      return "rt#" + seen.get(value) + " (sha256 " + shortHash(value) + ")";
    }

    private static String shortHash(String value) {
      try {
        var digest = MessageDigest.getInstance("SHA-256");
        var hash = digest.digest(value.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(hash, 0, 4);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
