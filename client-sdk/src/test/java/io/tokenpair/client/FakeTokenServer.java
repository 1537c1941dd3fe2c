package io.tokenpair.client;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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

/**
 * The token server of {@code TokenPairAuthTest}: a {@link TokenServerDispatcher}, which owns every
 * token rule (issuing, rotation, reuse, expiry, error bodies, scripted refresh failures), behind
 * the field controls those tests are written against, plus the app resources they need around it
 * ({@code /api/slow}, {@code /api/redirect}, a forced status).
 *
 * <p>The dispatcher is built at the first request (or the first {@link #dispatcher()} call, which
 * gives tests its hooks, such as {@link TokenServerDispatcher#dropNextRefreshAnswer()}) from {@link
 * #expiredStatus} and {@link #jwtLifetimeSeconds}, with sequential tokens ({@code refresh-1},
 * {@code access-1}, ...), the account {@code demo} / {@code secret}, and a clock that reads {@link
 * #nowSeconds}. The other fields are read as each request arrives. Thread-safe.
 */
final class FakeTokenServer extends Dispatcher {
  static {
    TokenServerDispatcher.builder(); // Loads the dispatcher and Jackson before any timed call.
  }

  final AtomicInteger refreshCalls = new AtomicInteger();
  final AtomicInteger loginCalls = new AtomicInteger();
  final AtomicInteger logoutCalls = new AtomicInteger();
  final AtomicInteger apiCalls = new AtomicInteger();
  final AtomicInteger expiredAnswers = new AtomicInteger();
  final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  final Map<String, AtomicInteger> callsByPath = new ConcurrentHashMap<>();

  /** The status for an expired access token (read once, at the first request). */
  volatile int expiredStatus = 401;

  /** When set, the answer of {@code /auth/refresh} (already performed) waits for it. */
  volatile CountDownLatch refreshGate;

  /** Counted down when a refresh has arrived and been performed, before its gate. */
  volatile CountDownLatch refreshArrived = new CountDownLatch(1);

  /** Counted down on each refused {@code /api/*} call. */
  volatile CountDownLatch expiredAnswered = new CountDownLatch(0);

  /**
   * When non-zero, {@code /auth/refresh} answers this status: 401 rejects the refresh (the session
   * ends), any other is the dispatcher's {@link TokenServerDispatcher#failNextRefresh failure}.
   */
  volatile int refreshStatus;

  /** When true, {@code /auth/refresh} drops the connection without refreshing. */
  volatile boolean refreshDisconnects;

  /**
   * When positive (read once, at the first request), access tokens are JWTs that expire this many
   * seconds after they are issued; otherwise they are opaque.
   */
  volatile long jwtLifetimeSeconds;

  /** The server's clock, in epoch seconds. */
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

  /** The access token issued last. */
  volatile String accessToken;

  /** Guarded by this; built at the first request. */
  private TokenServerDispatcher dispatcher;

  /** The dispatcher behind this server, for its hooks; builds it on first use. */
  synchronized TokenServerDispatcher dispatcher() {
    if (dispatcher == null) {
      TokenServerDispatcher.Builder builder =
          TokenServerDispatcher.builder()
              .user("demo", "secret")
              .sequentialTokens()
              .expiredStatus(expiredStatus)
              .clock(new FieldClock());
      if (jwtLifetimeSeconds > 0) {
        builder.accessTokenLifetime(jwtLifetimeSeconds, TimeUnit.SECONDS);
      } else {
        builder.opaqueAccessTokens();
      }
      dispatcher = builder.build();
    }
    return dispatcher;
  }

  /** Expires every access token issued so far, as their {@code exp} would. */
  void expireAccessToken() {
    dispatcher().expireAccessTokens();
  }

  int calls(String path) {
    AtomicInteger count = callsByPath.get(path);
    return count == null ? 0 : count.get();
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
    requests.add(request);
    String path = request.getUrl().encodedPath();
    callsByPath.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    switch (path) {
      case "/auth/login":
        loginCalls.incrementAndGet();
        return issuing(request);
      case "/auth/refresh":
        return refresh(request);
      case "/auth/logout":
        logoutCalls.incrementAndGet();
        return dispatcher().dispatch(request);
      default:
        return api(request);
    }
  }

  private MockResponse issuing(RecordedRequest request) throws InterruptedException {
    MockResponse response = dispatcher().dispatch(request);
    accessToken = dispatcher().lastIssuedAccessToken();
    return response;
  }

  private MockResponse refresh(RecordedRequest request) throws InterruptedException {
    refreshCalls.incrementAndGet();
    TokenServerDispatcher tokens = dispatcher();
    int status = refreshStatus;
    if (refreshDisconnects) {
      tokens.disconnectNextRefresh();
    } else if (status == 401) {
      tokens.rejectNextRefresh();
    } else if (status != 0) {
      tokens.failNextRefresh(status);
    }
    MockResponse response = issuing(request);
    refreshArrived.countDown();
    await(refreshGate);
    return response;
  }

  private static void await(CountDownLatch gate) throws InterruptedException {
    if (gate != null && !gate.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("gate never opened");
    }
  }

  private MockResponse api(RecordedRequest request) throws InterruptedException {
    apiCalls.incrementAndGet();
    String path = request.getUrl().encodedPath();
    if (path.equals("/api/slow")) {
      slowArrived.countDown();
      await(slowGate);
    }
    if (redirectTarget != null && path.equals("/api/redirect")) {
      return new MockResponse.Builder().code(302).addHeader("Location", redirectTarget).build();
    }
    if (apiStatusOverride != 0) {
      return new MockResponse.Builder()
          .code(apiStatusOverride)
          .addHeader("Content-Type", "application/json")
          .body("{}")
          .build();
    }
    MockResponse response = dispatcher().dispatch(request);
    if (response.getCode() != 200) {
      expiredAnswers.incrementAndGet();
      expiredAnswered.countDown();
    }
    return response;
  }

  /** The server's clock: {@link #nowSeconds}. */
  private final class FieldClock extends Clock {
    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochSecond(nowSeconds);
    }
  }
}
