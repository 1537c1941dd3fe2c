package io.tokenpair.mockwebserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * A {@link Dispatcher} that plays the tokenpair demo server on {@code
 * mockwebserver3.MockWebServer}, for integration tests of apps that use {@code client-sdk}. It
 * answers as the demo server does ({@code docs/protocol.md}): the same statuses, {@code error}
 * codes, headers and cookie attributes, checked by a contract test that runs one scenario list
 * against both.
 *
 * <ul>
 *   <li>{@code POST /auth/login} with a JSON body {@code {"username":...,"password":...}}: 200
 *       {@code {"code":0,"message":"ok","data":{"access_token":...,"token_type":"Bearer",
 *       "expires_in":...}}} and {@code Set-Cookie: rt=...; Path=/auth; HttpOnly; SameSite=Strict;
 *       Max-Age=...} ({@code ; Secure} over TLS or with {@code X-Forwarded-Proto: https}); 401
 *       {@code invalid_credentials}; 400 {@code invalid_request} for malformed JSON, a missing or
 *       non-string field; 415 for another content type; 413 over 16 KiB.
 *   <li>{@code POST /auth/refresh} with the {@code rt} cookie: the same answer with a rotated
 *       cookie. Every failure clears the cookie: 401 {@code missing_refresh_token}, {@code
 *       invalid_refresh_token} (unknown, expired, session ended) or {@code refresh_token_reused} (a
 *       consumed token presented again: the session is revoked); 400 {@code invalid_request} for
 *       two {@code rt} cookies. Within the {@linkplain Builder#rotationGrace rotation grace} the
 *       token rotated last gets a fresh pair for the session's <em>current</em> refresh token, and
 *       nothing is rotated or revoked.
 *   <li>{@code POST /auth/logout}: 204, the cookie cleared, the session named by the cookie or by a
 *       valid bearer revoked.
 *   <li>Every other path is a protected resource, any method: 200 {@code
 *       {"code":0,"message":"ok","data":{"id":"1","username":...,"path":...,"sid":...}}} for a live
 *       access token; 401 {@code missing_token} with {@code WWW-Authenticate: Bearer
 *       realm="tokenpair"} without one; the {@linkplain Builder#expiredStatus expired status} with
 *       {@code token_expired} for an expired one (5 s of leeway, as the demo server allows); 401
 *       {@code invalid_token} for an unknown one or one whose session ended.
 * </ul>
 *
 * <p>Failed logins are throttled as the demo server does by default: 5 per account and 20 in all
 * (the demo server counts per client IP) within 15 minutes, then 429 {@code too_many_attempts} with
 * {@code Retry-After}. Unlike the demo server it has no captcha, CORS or origin checks, and every
 * path that is not an auth endpoint is a resource. Every answer carries {@code Cache-Control:
 * no-store}.
 *
 * <p>Access tokens are JWTs with {@code sub}, {@code name}, {@code sid}, {@code jti}, {@code iat}
 * and {@code exp} claims (with a dummy signature: the SDK does not verify them), so client-side
 * refresh-ahead can be tested; {@link Builder#opaqueAccessTokens()} issues opaque ones instead.
 *
 * <p>Script it with {@link #expireAccessTokens()}, {@link #revokeAllSessions()}, the next-refresh
 * hooks ({@link #rejectNextRefresh()}, {@link #failNextRefresh(int)}, {@link
 * #disconnectNextRefresh()}, {@link #dropNextRefreshAnswer()}), {@link #holdRefreshes()}; wait with
 * {@link #awaitRefreshes}, {@link #awaitExpiredCount}, {@link #awaitRequestCount}; verify with the
 * counters.
 *
 * <pre>{@code
 * TokenServerDispatcher tokens = TokenServerDispatcher.create();
 * server.setDispatcher(tokens);
 * auth.login(loginRequest);            // user "demo", password "demo-password"
 * tokens.expireAccessTokens();
 * client.newCall(request).execute();   // 401, one refresh, replayed: 200
 * assertEquals(1, tokens.refreshCount());
 * }</pre>
 *
 * <p>This class is thread-safe: MockWebServer may dispatch concurrent requests, and tests may call
 * every method from any thread. A held refresh waits outside the lock.
 */
public final class TokenServerDispatcher extends Dispatcher {
  private static final long HOLD_LIMIT_SECONDS = 30;

  /** MockWebServer does not tell the client's address: all clients count as one for throttling. */
  private static final String CLIENT_IP = "client";

  static {
    // Loads Jackson with this class, so that a test's first request does not pay for it within
    // the client's timeouts.
    Answers.toJson(Collections.singletonMap("code", 0));
  }

  /** What one refresh does instead of, or after, its ordinary handling. Immutable. */
  private static final class Script {
    static final Script REJECT = new Script(0);
    static final Script DISCONNECT = new Script(0);
    static final Script DROP_ANSWER = new Script(0);

    /** Non-zero: the refresh fails with this status. */
    final int failStatus;

    Script(int failStatus) {
      this.failStatus = failStatus;
    }
  }

  private final String username;
  private final String password;
  private final String loginPath;
  private final String refreshPath;
  private final String logoutPath;

  private final Clock clock;

  /** Guarded by this. */
  private final LoginThrottle throttle = new LoginThrottle();

  /** The session and token state. Guarded by this. */
  private final Sessions sessions;

  /** Scripts for the next refreshes, first in first out. Guarded by this. */
  private final Queue<Script> scripts = new ArrayDeque<>();

  /** Non-null while refresh answers are held. Guarded by this. */
  private CountDownLatch refreshHold;

  /** Guarded by this. */
  private final List<RecordedRequest> requests = new ArrayList<>();

  /** Guarded by this. */
  private int loginCount;

  /** Guarded by this. */
  private int refreshCount;

  /** Guarded by this. */
  private int logoutCount;

  private TokenServerDispatcher(Builder builder) {
    this.username = builder.username;
    this.password = builder.password;
    this.loginPath = builder.loginPath;
    this.refreshPath = builder.refreshPath;
    this.logoutPath = builder.logoutPath;
    this.clock = builder.clock;
    this.sessions = new Sessions(builder, commonDirectory(loginPath, refreshPath, logoutPath));
  }

  /** Returns a dispatcher with the defaults of {@link Builder}. */
  public static TokenServerDispatcher create() {
    return builder().build();
  }

  /** Returns a new builder. */
  public static Builder builder() {
    return new Builder();
  }

  // Scripting.

  /**
   * Expires every access token issued so far, as if their {@code exp} had passed: they get the
   * expired status with {@code token_expired}. Refresh tokens stay valid.
   */
  public synchronized void expireAccessTokens() {
    sessions.expireAccessTokens();
  }

  /**
   * Ends every session, as a server-side sign-out would: their access tokens get 401 {@code
   * invalid_token} and their refresh tokens 401 {@code invalid_refresh_token} at once.
   */
  public synchronized void revokeAllSessions() {
    sessions.revokeAll();
  }

  /**
   * The next refresh is rejected as if its session had been revoked just before: the session named
   * by its cookie ends, and it gets 401 {@code invalid_refresh_token} with the cookie cleared.
   * Scripts queue: each refresh takes the oldest.
   */
  public synchronized void rejectNextRefresh() {
    scripts.add(Script.REJECT);
  }

  /**
   * The next refresh fails with {@code status} (for example 503 or 500) and the demo server's error
   * body for it ({@code store_unavailable} with {@code Retry-After: 1}, {@code internal_error}),
   * without touching the session or the cookie, as an overloaded server would. Scripts queue: each
   * refresh takes the oldest.
   *
   * @throws IllegalArgumentException if {@code status} is not in 400..599.
   */
  public synchronized void failNextRefresh(int status) {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("not an error status: " + status);
    }
    scripts.add(new Script(status));
  }

  /**
   * The next refresh is counted but not performed: its connection is closed without an answer, as a
   * network failure before the request reached the server would look. Scripts queue: each refresh
   * takes the oldest.
   */
  public synchronized void disconnectNextRefresh() {
    scripts.add(Script.DISCONNECT);
  }

  /**
   * The next refresh is performed (the session rotates, or whatever its cookie earns) but its
   * connection is closed instead of the answer: the server moved on and the client never learns the
   * new refresh token. Use it to test retries after a lost answer, with and without a {@linkplain
   * Builder#rotationGrace rotation grace}. Scripts queue: each refresh takes the oldest.
   */
  public synchronized void dropNextRefreshAnswer() {
    scripts.add(Script.DROP_ANSWER);
  }

  /**
   * Holds the answers of refreshes until {@link #releaseRefreshes()}. A held refresh has been
   * counted and performed (the server rotated when it arrived), so {@link #awaitRefreshes} sees it;
   * only its answer waits, at most 30 seconds. Idempotent.
   */
  public synchronized void holdRefreshes() {
    if (refreshHold == null) refreshHold = new CountDownLatch(1);
  }

  /** Sends the answers of held refreshes, and stops holding later ones. Idempotent. */
  public void releaseRefreshes() {
    CountDownLatch hold;
    synchronized (this) {
      hold = refreshHold;
      refreshHold = null;
    }
    if (hold != null) hold.countDown();
  }

  // Verifying.

  /** Returns the number of login requests, successful or not. */
  public synchronized int loginCount() {
    return loginCount;
  }

  /** Returns the number of refresh requests, successful or not, held ones included. */
  public synchronized int refreshCount() {
    return refreshCount;
  }

  /** Returns the number of logout requests. */
  public synchronized int logoutCount() {
    return logoutCount;
  }

  /**
   * Returns how many times a consumed refresh token was presented again outside the grace (each
   * revoked its session).
   */
  public synchronized int reuseDetectedCount() {
    return sessions.reuseDetectedCount();
  }

  /**
   * Returns how many refreshes presented the token rotated last within the rotation grace and got
   * the current pair reissued.
   */
  public synchronized int graceRetryCount() {
    return sessions.graceRetryCount();
  }

  /** Returns how many protected requests were answered {@code token_expired}. */
  public synchronized int expiredCount() {
    return sessions.expiredCount();
  }

  /** Returns the access token issued last, by a login or a refresh, or null before the first. */
  public synchronized String lastIssuedAccessToken() {
    return sessions.lastAccessToken();
  }

  /** Returns how many requests had {@code path} as their encoded path. */
  public synchronized int requestCount(String path) {
    int count = 0;
    for (RecordedRequest request : requests) {
      if (request.getUrl().encodedPath().equals(path)) count++;
    }
    return count;
  }

  /**
   * Blocks until at least {@code count} requests for {@code path} have arrived (they may still be
   * waiting for their answer, as held refreshes do), or the timeout passes.
   *
   * @return true if the count was reached, false on timeout.
   * @throws InterruptedException if the thread is interrupted while it waits.
   */
  public boolean awaitRequestCount(String path, int count, long timeout, TimeUnit unit)
      throws InterruptedException {
    return await(Counter.REQUESTS, path, count, timeout, unit);
  }

  /**
   * Blocks until at least {@code count} refresh requests have arrived and been performed (their
   * answers may be {@linkplain #holdRefreshes() held}), or the timeout passes.
   *
   * @return true if the count was reached, false on timeout.
   * @throws InterruptedException if the thread is interrupted while it waits.
   */
  public boolean awaitRefreshes(int count, long timeout, TimeUnit unit)
      throws InterruptedException {
    return await(Counter.REFRESHES, null, count, timeout, unit);
  }

  /**
   * Blocks until at least {@code count} protected requests have been answered {@code token_expired}
   * (see {@link #expiredCount()}), or the timeout passes: for example until every caller of a
   * stampede has met its expired token.
   *
   * @return true if the count was reached, false on timeout.
   * @throws InterruptedException if the thread is interrupted while it waits.
   */
  public boolean awaitExpiredCount(int count, long timeout, TimeUnit unit)
      throws InterruptedException {
    return await(Counter.EXPIRED, null, count, timeout, unit);
  }

  private enum Counter {
    REQUESTS,
    REFRESHES,
    EXPIRED
  }

  private synchronized int count(Counter counter, String path) {
    switch (counter) {
      case REQUESTS:
        return requestCount(path);
      case REFRESHES:
        return refreshCount;
      default:
        return sessions.expiredCount();
    }
  }

  private synchronized boolean await(
      Counter counter, String path, int count, long timeout, TimeUnit unit)
      throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (count(counter, path) < count) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) return false;
      TimeUnit.NANOSECONDS.timedWait(this, remaining);
    }
    return true;
  }

  /** Returns every request received so far, in arrival order. */
  public synchronized List<RecordedRequest> requests() {
    return Collections.unmodifiableList(new ArrayList<>(requests));
  }

  /** Returns the number of sessions that are neither revoked nor expired. */
  public synchronized int activeSessionCount() {
    return sessions.activeCount();
  }

  // Dispatching.

  @Override
  public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
    String path = request.getUrl().encodedPath();
    synchronized (this) {
      requests.add(request);
      notifyAll();
    }
    try {
      if (path.equals(loginPath)) return login(requirePost(request));
      if (path.equals(refreshPath)) return refresh(requirePost(request));
      if (path.equals(logoutPath)) return logout(requirePost(request));
      synchronized (this) {
        try {
          return sessions.resource(request);
        } finally {
          notifyAll(); // The expired count may have moved.
        }
      }
    } catch (Refusal refusal) {
      return refusal.answer();
    }
  }

  private static RecordedRequest requirePost(RecordedRequest request) throws Refusal {
    if (!"POST".equals(request.getMethod())) {
      throw new Refusal(405, "method_not_allowed", "Use POST.").header("Allow", "POST");
    }
    return request;
  }

  private MockResponse login(RecordedRequest request) throws Refusal {
    synchronized (this) {
      loginCount++;
    }
    JsonNode body = Requests.jsonObject(request);
    String user = Requests.requiredString(body, "username");
    String pass = Requests.requiredString(body, "password");
    synchronized (this) {
      long now = clock.millis();
      long wait = throttle.waitMillis(CLIENT_IP, user, now);
      if (wait > 0) {
        throw new Refusal(429, "too_many_attempts", "Too many failed logins. Try again later.")
            .header("Retry-After", String.valueOf(LoginThrottle.retryAfterSeconds(wait)));
      }
      if (!username.equals(user) || !password.equals(pass)) {
        throttle.recordFailure(CLIENT_IP, user, now);
        throw new Refusal(401, "invalid_credentials", "The username or password is wrong.")
            .header("WWW-Authenticate", Answers.REALM);
      }
      throttle.recordSuccess(user);
      return sessions.start(request);
    }
  }

  private synchronized MockResponse logout(RecordedRequest request) throws Refusal {
    logoutCount++;
    return sessions.logout(request);
  }

  private MockResponse refresh(RecordedRequest request) throws InterruptedException {
    MockResponse answer;
    CountDownLatch hold;
    synchronized (this) {
      refreshCount++;
      Script script = scripts.poll();
      if (script == Script.DISCONNECT) {
        answer = Answers.cutConnection();
      } else if (script != null && script.failStatus != 0) {
        answer = Answers.failure(script.failStatus).answer();
      } else {
        try {
          answer =
              script == Script.REJECT
                  ? sessions.reject(request).answer()
                  : sessions.rotate(request);
        } catch (Refusal refusal) {
          answer = refusal.answer();
        }
        if (script == Script.DROP_ANSWER) answer = Answers.cutConnection();
      }
      hold = refreshHold;
      notifyAll();
    }
    if (hold != null && !hold.await(HOLD_LIMIT_SECONDS, TimeUnit.SECONDS)) {
      throw new IllegalStateException("Refreshes were held for 30 s without releaseRefreshes().");
    }
    return answer;
  }

  /** The longest directory that holds all three paths: {@code /auth} for the defaults. */
  static String commonDirectory(String... paths) {
    String common = paths[0].substring(0, paths[0].lastIndexOf('/') + 1);
    for (String path : paths) {
      while (!path.startsWith(common)) {
        common = common.substring(0, common.lastIndexOf('/', common.length() - 2) + 1);
      }
    }
    return common.length() > 1 ? common.substring(0, common.length() - 1) : "/";
  }

  @Override
  public String toString() {
    return "TokenServerDispatcher{user=" + username + "}";
  }

  /** Configures a {@link TokenServerDispatcher}. Not thread-safe. */
  public static final class Builder {
    String username = "demo";
    String password = "demo-password";
    String loginPath = "/auth/login";
    String refreshPath = "/auth/refresh";
    String logoutPath = "/auth/logout";
    int expiredStatus = 401;
    long accessLifetimeMillis = TimeUnit.MINUTES.toMillis(15);
    long refreshLifetimeMillis = TimeUnit.DAYS.toMillis(15);
    boolean opaque;
    boolean sequential;
    long rotationGraceMillis;
    Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The one account that can sign in. Default {@code demo} / {@code demo-password}. */
    public Builder user(String username, String password) {
      if (username == null) throw new NullPointerException("username == null");
      if (password == null) throw new NullPointerException("password == null");
      this.username = username;
      this.password = password;
      return this;
    }

    /** The status for expired access tokens: 401 (default) or, for example, 419. */
    public Builder expiredStatus(int status) {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("not an error status: " + status);
      }
      this.expiredStatus = status;
      return this;
    }

    /** How long access tokens live. Default 15 minutes. */
    public Builder accessTokenLifetime(long duration, TimeUnit unit) {
      this.accessLifetimeMillis = positive(unit.toMillis(duration), "accessTokenLifetime");
      return this;
    }

    /**
     * How long a session (its family of refresh tokens) lives from login; rotation never extends
     * it. Default 15 days.
     */
    public Builder refreshTokenLifetime(long duration, TimeUnit unit) {
      this.refreshLifetimeMillis = positive(unit.toMillis(duration), "refreshTokenLifetime");
      return this;
    }

    /**
     * How long after a rotation the token rotated last is still accepted instead of counting as
     * reuse, for clients that lost the answer to a refresh. Such a retry gets a fresh pair for the
     * session's current refresh token; nothing is rotated. Default 0: never, as the demo server's
     * {@code --rotation-grace}.
     */
    public Builder rotationGrace(long duration, TimeUnit unit) {
      if (duration < 0) throw new IllegalArgumentException("rotationGrace < 0");
      this.rotationGraceMillis = unit.toMillis(duration);
      return this;
    }

    /** Issues opaque access tokens instead of JWTs, so clients cannot refresh ahead. */
    public Builder opaqueAccessTokens() {
      this.opaque = true;
      return this;
    }

    /**
     * Issues readable tokens numbered in issue order, so tests can assert exact values: the n-th
     * pair has the refresh token {@code refresh-n} and, when {@linkplain #opaqueAccessTokens()
     * opaque}, the access token {@code access-n}. Default random ones.
     */
    public Builder sequentialTokens() {
      this.sequential = true;
      return this;
    }

    /**
     * The paths of the auth endpoints. Default {@code /auth/login}, {@code /auth/refresh}, {@code
     * /auth/logout}. The cookie's {@code Path} is the longest directory that holds all three.
     */
    public Builder paths(String login, String refresh, String logout) {
      this.loginPath = path(login, "login");
      this.refreshPath = path(refresh, "refresh");
      this.logoutPath = path(logout, "logout");
      return this;
    }

    /** The clock for token expiry and the rotation grace. Default the system clock. */
    public Builder clock(Clock clock) {
      if (clock == null) throw new NullPointerException("clock == null");
      this.clock = clock;
      return this;
    }

    /** Returns a new dispatcher. */
    public TokenServerDispatcher build() {
      return new TokenServerDispatcher(this);
    }

    private static long positive(long millis, String name) {
      if (millis <= 0) throw new IllegalArgumentException(name + " must be positive");
      return millis;
    }

    private static String path(String path, String name) {
      if (path == null) throw new NullPointerException(name + " == null");
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException(name + " must start with /: " + path);
      }
      return path;
    }
  }
}
