package io.tokenpair.mockwebserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okio.ByteString;

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
 * <p>Unlike the demo server it has no captcha, login throttling, CORS or origin checks, and every
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
  /**
   * The clock leeway with which the demo server checks {@code exp}: a token is valid while the
   * current whole second is before {@code exp} plus the leeway.
   */
  static final long LEEWAY_MILLIS = 5_000;

  private static final long HOLD_LIMIT_SECONDS = 30;

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
  private final String cookiePath;
  private final int expiredStatus;
  private final long accessLifetimeMillis;
  private final long refreshLifetimeMillis;
  private final boolean opaque;
  private final boolean sequential;
  private final long rotationGraceMillis;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /** Guarded by this. */
  private final Map<String, AccessToken> accessTokens = new HashMap<>();

  /** Sessions by id. Guarded by this. */
  private final Map<String, Session> sessions = new HashMap<>();

  /** Every refresh token issued, to its session and jti. Guarded by this. */
  private final Map<String, RefreshToken> refreshTokens = new HashMap<>();

  /** Scripts for the next refreshes, first in first out. Guarded by this. */
  private final Queue<Script> scripts = new ArrayDeque<>();

  /** Access tokens issued before this serial are expired. Guarded by this. */
  private long minimumSerial;

  /** The serial of the last pair issued. Guarded by this. */
  private long serial;

  /** The last refresh-token jti handed out. Guarded by this. */
  private long jtiSerial;

  /** Non-null while refresh answers are held. Guarded by this. */
  private CountDownLatch refreshHold;

  /** Guarded by this. */
  private String lastAccessToken;

  /** Guarded by this. */
  private final List<RecordedRequest> requests = new ArrayList<>();

  /** Guarded by this. */
  private int loginCount;

  /** Guarded by this. */
  private int refreshCount;

  /** Guarded by this. */
  private int logoutCount;

  /** Guarded by this. */
  private int reuseDetectedCount;

  /** Guarded by this. */
  private int graceRetryCount;

  /** Guarded by this. */
  private int expiredCount;

  private TokenServerDispatcher(Builder builder) {
    this.username = builder.username;
    this.password = builder.password;
    this.loginPath = builder.loginPath;
    this.refreshPath = builder.refreshPath;
    this.logoutPath = builder.logoutPath;
    this.cookiePath = commonDirectory(loginPath, refreshPath, logoutPath);
    this.expiredStatus = builder.expiredStatus;
    this.accessLifetimeMillis = builder.accessLifetimeMillis;
    this.refreshLifetimeMillis = builder.refreshLifetimeMillis;
    this.opaque = builder.opaque;
    this.sequential = builder.sequential;
    this.rotationGraceMillis = builder.rotationGraceMillis;
    this.clock = builder.clock;
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
    minimumSerial = serial + 1;
  }

  /**
   * Ends every session, as a server-side sign-out would: their access tokens get 401 {@code
   * invalid_token} and their refresh tokens 401 {@code invalid_refresh_token} at once.
   */
  public synchronized void revokeAllSessions() {
    for (Session session : sessions.values()) session.revoked = true;
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
    return reuseDetectedCount;
  }

  /**
   * Returns how many refreshes presented the token rotated last within the rotation grace and got
   * the current pair reissued.
   */
  public synchronized int graceRetryCount() {
    return graceRetryCount;
  }

  /** Returns how many protected requests were answered {@code token_expired}. */
  public synchronized int expiredCount() {
    return expiredCount;
  }

  /** Returns the access token issued last, by a login or a refresh, or null before the first. */
  public synchronized String lastIssuedAccessToken() {
    return lastAccessToken;
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
        return expiredCount;
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
    int count = 0;
    long now = clock.millis();
    for (Session session : sessions.values()) {
      if (session.isActive(now)) count++;
    }
    return count;
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
      return resource(request);
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
    if (!username.equals(user) || !password.equals(pass)) {
      throw new Refusal(401, "invalid_credentials", "The username or password is wrong.")
          .header("WWW-Authenticate", Answers.REALM);
    }
    synchronized (this) {
      long now = wholeSeconds(clock.millis());
      Session session = new Session(randomId(), now + refreshLifetimeMillis, ++jtiSerial);
      sessions.put(session.id, session);
      return pair(request, session, now);
    }
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
          answer = script == Script.REJECT ? reject(request).answer() : rotate(request);
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

  /** The demo server's rotation, reuse detection and grace. Holds the lock. */
  private MockResponse rotate(RecordedRequest request) throws Refusal {
    String rt = singleRefreshCookie(request);
    if (rt == null) {
      throw clearingCookie(
              request, new Refusal(401, "missing_refresh_token", "No refresh token cookie."))
          .header("WWW-Authenticate", Answers.REALM);
    }
    long now = wholeSeconds(clock.millis());
    RefreshToken token = refreshTokens.get(rt);
    if (token == null || now >= token.session.expiresAtMillis + LEEWAY_MILLIS) {
      throw refreshFailed(
          request, "invalid_refresh_token", "The refresh token is invalid or expired.");
    }
    Session session = token.session;
    if (!session.isActive(now)) {
      throw refreshFailed(
          request, "invalid_refresh_token", "The refresh token is no longer valid.");
    }
    if (token.jti == session.currentJti) {
      session.usedJtis.add(token.jti);
      session.previousJti = token.jti;
      session.rotatedAtMillis = now;
      session.currentJti = ++jtiSerial;
      return pair(request, session, now);
    }
    if (session.usedJtis.contains(token.jti)) {
      boolean withinGrace =
          rotationGraceMillis > 0
              && token.jti == session.previousJti
              && now <= session.rotatedAtMillis + rotationGraceMillis;
      if (withinGrace) {
        graceRetryCount++;
        return pair(request, session, now);
      }
      reuseDetectedCount++;
      session.revoked = true;
      throw refreshFailed(
          request,
          "refresh_token_reused",
          "The refresh token was already used; the session ended.");
    }
    throw refreshFailed(request, "invalid_refresh_token", "The refresh token is no longer valid.");
  }

  /** Ends the session the cookie names, if any, and answers as for a revoked session. */
  private Refusal reject(RecordedRequest request) throws Refusal {
    String rt = singleRefreshCookie(request);
    RefreshToken token = rt != null ? refreshTokens.get(rt) : null;
    if (token != null) token.session.revoked = true;
    return refreshFailed(request, "invalid_refresh_token", "The refresh token is no longer valid.");
  }

  private MockResponse logout(RecordedRequest request) throws Refusal {
    synchronized (this) {
      logoutCount++;
      String rt = singleRefreshCookie(request);
      long now = wholeSeconds(clock.millis());
      RefreshToken token = rt != null ? refreshTokens.get(rt) : null;
      if (token != null && now < token.session.expiresAtMillis + LEEWAY_MILLIS) {
        token.session.revoked = true;
      }
      String bearer = Requests.bearerToken(request);
      AccessToken access = bearer != null ? accessTokens.get(bearer) : null;
      if (access != null && !isExpired(access, clock.millis())) access.session.revoked = true;
      return Answers.empty(204).addHeader("Set-Cookie", cookie(request, "", 0)).build();
    }
  }

  private synchronized MockResponse resource(RecordedRequest request) throws Refusal {
    String bearer = Requests.bearerToken(request);
    if (bearer == null) {
      throw new Refusal(401, "missing_token", "An access token is required.")
          .header("WWW-Authenticate", Answers.REALM);
    }
    AccessToken token = accessTokens.get(bearer);
    if (token == null) throw Requests.invalidToken("The access token is invalid.");
    long now = clock.millis();
    if (isExpired(token, now)) {
      expiredCount++;
      notifyAll();
      throw new Refusal(expiredStatus, "token_expired", "The access token expired.")
          .header("WWW-Authenticate", Answers.INVALID);
    }
    if (!token.session.isActive(now)) throw Requests.invalidToken("The session has ended.");
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", "1");
    data.put("username", username);
    data.put("path", request.getUrl().encodedPath());
    data.put("sid", token.session.id);
    return Answers.success(data).build();
  }

  /** Expired by {@link #expireAccessTokens()} or by its {@code exp} beyond the leeway. */
  private boolean isExpired(AccessToken token, long nowMillis) {
    return token.serial < minimumSerial
        || wholeSeconds(nowMillis) >= token.expiresAtMillis + LEEWAY_MILLIS;
  }

  /** The one {@code rt} cookie, or null; two or more are ambiguous and get 400. */
  private String singleRefreshCookie(RecordedRequest request) throws Refusal {
    List<String> values = Requests.cookies(request, "rt");
    if (values.size() > 1) {
      throw clearingCookie(
          request, new Refusal(400, "invalid_request", "Send exactly one rt cookie."));
    }
    return values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
  }

  private Refusal refreshFailed(RecordedRequest request, String error, String message) {
    return clearingCookie(request, new Refusal(401, error, message))
        .header("WWW-Authenticate", Answers.INVALID);
  }

  private Refusal clearingCookie(RecordedRequest request, Refusal refusal) {
    return refusal.header("Set-Cookie", cookie(request, "", 0));
  }

  /** Issues an access token and a refresh token for the session's current jti. Holds the lock. */
  private MockResponse pair(RecordedRequest request, Session session, long now) {
    long n = ++serial;
    long expiresAt = now + accessLifetimeMillis;
    String access;
    if (!opaque) access = jwt(session.id, n, now, expiresAt);
    else access = sequential ? "access-" + n : "opaque-" + randomId();
    accessTokens.put(access, new AccessToken(session, n, expiresAt));
    lastAccessToken = access;
    String refresh = sequential ? "refresh-" + n : "rt-" + randomId();
    refreshTokens.put(refresh, new RefreshToken(session, session.currentJti));
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("access_token", access);
    data.put("token_type", "Bearer");
    data.put("expires_in", accessLifetimeMillis / 1000);
    long maxAge = Math.max(0, (session.expiresAtMillis - now) / 1000);
    return Answers.success(data).addHeader("Set-Cookie", cookie(request, refresh, maxAge)).build();
  }

  private String cookie(RecordedRequest request, String value, long maxAgeSeconds) {
    String cookie =
        "rt="
            + value
            + "; Path="
            + cookiePath
            + "; HttpOnly; SameSite=Strict; Max-Age="
            + maxAgeSeconds;
    return Requests.isHttps(request) ? cookie + "; Secure" : cookie;
  }

  private String jwt(String sid, long n, long issuedAtMillis, long expiresAtMillis) {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("alg", "HS256");
    header.put("typ", "at+jwt");
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("sub", "1");
    claims.put("name", username);
    claims.put("sid", sid);
    claims.put("jti", String.valueOf(n));
    claims.put("iat", issuedAtMillis / 1000);
    claims.put("exp", expiresAtMillis / 1000);
    return base64Url(Answers.toJson(header))
        + "."
        + base64Url(Answers.toJson(claims))
        + "."
        + base64Url(randomId());
  }

  private static String base64Url(String text) {
    return ByteString.encodeUtf8(text).base64Url().replace("=", "");
  }

  private static long wholeSeconds(long millis) {
    return millis - Math.floorMod(millis, 1000L);
  }

  private String randomId() {
    byte[] bytes = new byte[12];
    random.nextBytes(bytes);
    return ByteString.of(bytes).hex();
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

  /** One login; its refresh tokens are a family: one current jti, the consumed ones, the last. */
  private static final class Session {
    final String id;
    final long expiresAtMillis;
    final Set<Long> usedJtis = new HashSet<>();
    long currentJti;
    long previousJti = -1;
    long rotatedAtMillis;
    boolean revoked;

    Session(String id, long expiresAtMillis, long firstJti) {
      this.id = id;
      this.expiresAtMillis = expiresAtMillis;
      this.currentJti = firstJti;
    }

    boolean isActive(long nowMillis) {
      return !revoked && nowMillis < expiresAtMillis;
    }
  }

  private static final class RefreshToken {
    final Session session;
    final long jti;

    RefreshToken(Session session, long jti) {
      this.session = session;
      this.jti = jti;
    }
  }

  private static final class AccessToken {
    final Session session;
    final long serial;
    final long expiresAtMillis;

    AccessToken(Session session, long serial, long expiresAtMillis) {
      this.session = session;
      this.serial = serial;
      this.expiresAtMillis = expiresAtMillis;
    }
  }

  /** Configures a {@link TokenServerDispatcher}. Not thread-safe. */
  public static final class Builder {
    private String username = "demo";
    private String password = "demo-password";
    private String loginPath = "/auth/login";
    private String refreshPath = "/auth/refresh";
    private String logoutPath = "/auth/logout";
    private int expiredStatus = 401;
    private long accessLifetimeMillis = TimeUnit.MINUTES.toMillis(15);
    private long refreshLifetimeMillis = TimeUnit.DAYS.toMillis(15);
    private boolean opaque;
    private boolean sequential;
    private long rotationGraceMillis;
    private Clock clock = Clock.systemUTC();

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
