package io.tokenpair.client;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okio.ByteString;

/**
 * A scripted token server for MockWebServer: {@code /auth/login}, {@code /auth/refresh} (rotating
 * the {@code rt} cookie), {@code /auth/logout}, and protected {@code /api/*} resources that accept
 * only the current access token.
 */
final class FakeTokenServer extends Dispatcher {
  final AtomicInteger refreshCalls = new AtomicInteger();
  final AtomicInteger loginCalls = new AtomicInteger();
  final AtomicInteger logoutCalls = new AtomicInteger();
  final AtomicInteger apiCalls = new AtomicInteger();
  final AtomicInteger expiredAnswers = new AtomicInteger();
  final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  final Map<String, AtomicInteger> callsByPath = new ConcurrentHashMap<>();

  /** The status for a stale or missing bearer. */
  volatile int expiredStatus = 401;

  /** When set, {@code /auth/refresh} waits for it before answering. */
  volatile CountDownLatch refreshGate;

  /** Counted down when a refresh request arrives. */
  volatile CountDownLatch refreshArrived = new CountDownLatch(1);

  /** Counted down on each expired answer. */
  volatile CountDownLatch expiredAnswered = new CountDownLatch(0);

  /**
   * When non-zero, {@code /auth/refresh} answers this status (a rejection or a transient failure).
   */
  volatile int refreshStatus;

  /** When true, {@code /auth/refresh} drops the connection. */
  volatile boolean refreshDisconnects;

  /**
   * When positive, access tokens are JWTs that expire this many seconds after {@link #nowSeconds}.
   */
  volatile long jwtLifetimeSeconds;

  volatile long nowSeconds = 1_700_000_000L;

  /**
   * {@code /api/slow} counts this down on arrival, then waits for {@link #slowGate} before it
   * checks the token.
   */
  final CountDownLatch slowArrived = new CountDownLatch(1);

  final CountDownLatch slowGate = new CountDownLatch(1);

  /** Where {@code /api/redirect} redirects, or null. */
  volatile String redirectTarget;

  /** When set, every {@code /api/*} call answers this status, whatever its token. */
  volatile int apiStatusOverride;

  private final AtomicInteger generation = new AtomicInteger();
  volatile String accessToken;
  volatile String refreshToken;

  /** Issues a pair as a login would, without a request; returns the access token. */
  String issue() {
    int n = generation.incrementAndGet();
    refreshToken = "refresh-" + n;
    accessToken = newAccessToken(n);
    return accessToken;
  }

  /** Makes the current access token invalid, as its expiry would. */
  void expireAccessToken() {
    accessToken = "expired-" + generation.get();
  }

  int calls(String path) {
    AtomicInteger count = callsByPath.get(path);
    return count == null ? 0 : count.get();
  }

  private String newAccessToken(int n) {
    if (jwtLifetimeSeconds <= 0) return "access-" + n;
    String header = base64Url("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}");
    String payload =
        base64Url(
            "{\"sub\":\"1\",\"n\":" + n + ",\"exp\":" + (nowSeconds + jwtLifetimeSeconds) + "}");
    return header + "." + payload + ".c2lnbmF0dXJl";
  }

  private static String base64Url(String json) {
    return ByteString.encodeUtf8(json).base64Url().replace("=", "");
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
    requests.add(request);
    String path = request.getUrl().encodedPath();
    callsByPath.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    switch (path) {
      case "/auth/login":
        return login(request);
      case "/auth/refresh":
        return refresh(request);
      case "/auth/logout":
        logoutCalls.incrementAndGet();
        accessToken = null;
        refreshToken = null;
        return new MockResponse.Builder()
            .code(204)
            .addHeader("Set-Cookie", "rt=; Path=/auth; HttpOnly; Max-Age=0")
            .build();
      default:
        return api(request);
    }
  }

  private MockResponse login(RecordedRequest request) {
    loginCalls.incrementAndGet();
    String body = request.getBody() == null ? "" : request.getBody().string(StandardCharsets.UTF_8);
    if (!body.contains("\"password\":\"secret\"")) {
      return json(401, "{\"code\":401,\"error\":\"invalid_credentials\",\"message\":\"Wrong.\"}")
          .addHeader("Set-Cookie", "rt=; Path=/auth; HttpOnly; Max-Age=0")
          .build();
    }
    String token = issue();
    return tokenResponse(token).build();
  }

  private MockResponse refresh(RecordedRequest request) throws InterruptedException {
    refreshCalls.incrementAndGet();
    String cookie = request.getHeaders().get("Cookie");
    boolean valid = refreshToken != null && cookie != null && cookie.contains("rt=" + refreshToken);
    refreshArrived.countDown();
    await(refreshGate);
    if (refreshDisconnects) {
      return new MockResponse.Builder().onRequestStart(new SocketEffect.CloseSocket()).build();
    }
    if (refreshStatus >= 400
        && refreshStatus != 401
        && refreshStatus != 400
        && refreshStatus != 403) {
      return json(refreshStatus, "{\"code\":" + refreshStatus + ",\"error\":\"unavailable\"}")
          .build();
    }
    if (refreshStatus != 0 || !valid) {
      int status = refreshStatus != 0 ? refreshStatus : 401;
      return json(status, "{\"code\":" + status + ",\"error\":\"invalid_refresh_token\"}")
          .addHeader("Set-Cookie", "rt=; Path=/auth; HttpOnly; Max-Age=0")
          .build();
    }
    return tokenResponse(issue()).build();
  }

  private static void await(CountDownLatch gate) throws InterruptedException {
    if (gate != null && !gate.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("gate never opened");
    }
  }

  private MockResponse api(RecordedRequest request) throws InterruptedException {
    apiCalls.incrementAndGet();
    if (request.getUrl().encodedPath().equals("/api/slow")) {
      slowArrived.countDown();
      await(slowGate);
    }
    if (redirectTarget != null && request.getUrl().encodedPath().equals("/api/redirect")) {
      return new MockResponse.Builder().code(302).addHeader("Location", redirectTarget).build();
    }
    if (apiStatusOverride != 0) return json(apiStatusOverride, "{}").build();
    String authorization = request.getHeaders().get("Authorization");
    if (accessToken == null || !("Bearer " + accessToken).equals(authorization)) {
      expiredAnswers.incrementAndGet();
      expiredAnswered.countDown();
      return json(expiredStatus, "{\"code\":" + expiredStatus + ",\"error\":\"invalid_token\"}")
          .addHeader("WWW-Authenticate", "Bearer realm=\"test\", error=\"invalid_token\"")
          .build();
    }
    return json(200, "{\"code\":0,\"data\":{\"path\":\"" + request.getUrl().encodedPath() + "\"}}")
        .build();
  }

  private MockResponse.Builder tokenResponse(String token) {
    return json(
            200, "{\"code\":0,\"message\":\"ok\",\"data\":{\"access_token\":\"" + token + "\"}}")
        .addHeader("Set-Cookie", "rt=" + refreshToken + "; Path=/auth; HttpOnly; Max-Age=1296000");
  }

  private static MockResponse.Builder json(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/json")
        .body(body);
  }
}
