package io.tokenpair.mockwebserver;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okio.ByteString;

/**
 * A {@link Dispatcher} that plays a token-pair server on {@code mockwebserver3.MockWebServer}, for
 * integration tests of apps that use {@code client-sdk}. It speaks the tokenpair protocol ({@code
 * docs/protocol.md}):
 *
 * <ul>
 *   <li>{@code POST /auth/login} with JSON {@code {"username":...,"password":...}}: 200 with {@code
 *       {"code":0,"message":"ok","data":{"access_token":...,"token_type":"Bearer","expires_in":...}}}
 *       and a {@code Set-Cookie: rt=...; Path=/auth; HttpOnly; SameSite=Strict; Max-Age=...}; 401
 *       {@code invalid_credentials} otherwise.
 *   <li>{@code POST /auth/refresh} with the {@code rt} cookie: the same answer with a rotated
 *       cookie. The previous refresh token is consumed; presenting it again revokes the whole
 *       session (reuse detection). Failures answer 401 {@code invalid_refresh_token} and clear the
 *       cookie.
 *   <li>{@code POST /auth/logout}: 204, the cookie cleared, the session revoked.
 *   <li>Every other path is a protected resource: 200 {@code {"code":0,"data":{"path":...}}} for a
 *       live access token; 401 with {@code WWW-Authenticate: Bearer realm="tokenpair"} without one;
 *       the {@linkplain Builder#expiredStatus expired status} with {@code error="invalid_token"}
 *       for an expired, revoked or unknown one.
 * </ul>
 *
 * <p>Access tokens are JWTs with {@code sid}, {@code iat} and {@code exp} claims (signed with a
 * dummy signature: the SDK does not verify them), so client-side refresh-ahead can be tested;
 * {@link Builder#opaqueAccessTokens()} issues opaque ones instead.
 *
 * <p>Script it with {@link #expireAccessTokens()}, {@link #rejectNextRefresh()}, {@link
 * #failNextRefresh(int)} and {@link #holdRefreshes()}; verify with the counters.
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
 * <p>This class is thread-safe: MockWebServer may dispatch concurrent requests.
 */
public final class TokenServerDispatcher extends Dispatcher {
  private static final Pattern JSON_STRING_FIELD =
      Pattern.compile("\"(username|password)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final String username;
  private final String password;
  private final String loginPath;
  private final String refreshPath;
  private final String logoutPath;
  private final int expiredStatus;
  private final long accessLifetimeMillis;
  private final long refreshLifetimeMillis;
  private final boolean opaque;
  private final long rotationGraceMillis;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /** Guarded by this. */
  private final Map<String, AccessToken> accessTokens = new HashMap<>();

  /** Sessions by id. Guarded by this. */
  private final Map<String, Session> sessions = new HashMap<>();

  /** Refresh token value to its session, current and consumed ones alike. Guarded by this. */
  private final Map<String, Session> refreshTokens = new HashMap<>();

  /** Access tokens issued before this serial are expired. Guarded by this. */
  private long minimumSerial;

  /** Guarded by this. */
  private long serial;

  /** Guarded by this. */
  private int rejectRefreshes;

  /** Guarded by this. */
  private final List<Integer> refreshFailures = new ArrayList<>();

  /** Guarded by this. */
  private CountDownLatch refreshHold;

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
  private int expiredCount;

  private TokenServerDispatcher(Builder builder) {
    this.username = builder.username;
    this.password = builder.password;
    this.loginPath = builder.loginPath;
    this.refreshPath = builder.refreshPath;
    this.logoutPath = builder.logoutPath;
    this.expiredStatus = builder.expiredStatus;
    this.accessLifetimeMillis = builder.accessLifetimeMillis;
    this.refreshLifetimeMillis = builder.refreshLifetimeMillis;
    this.opaque = builder.opaque;
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
   * Expires every access token issued so far, as if their {@code exp} had passed. Refresh tokens
   * stay valid.
   */
  public synchronized void expireAccessTokens() {
    minimumSerial = serial + 1;
  }

  /**
   * The next refresh is rejected as if its token had been revoked: 401, the cookie cleared, the
   * session ended.
   */
  public synchronized void rejectNextRefresh() {
    rejectRefreshes++;
  }

  /**
   * The next refresh fails with {@code status} (for example 503 or 429) without touching the
   * session, as an overloaded server would.
   */
  public synchronized void failNextRefresh(int status) {
    if (status < 400 || status > 599)
      throw new IllegalArgumentException("not an error status: " + status);
    refreshFailures.add(status);
  }

  /**
   * Makes refresh requests wait, once they have been counted, until {@link #releaseRefreshes()}.
   */
  public synchronized void holdRefreshes() {
    if (refreshHold == null) refreshHold = new CountDownLatch(1);
  }

  /** Lets held and future refresh requests proceed. */
  public void releaseRefreshes() {
    CountDownLatch hold;
    synchronized (this) {
      hold = refreshHold;
      refreshHold = null;
    }
    if (hold != null) hold.countDown();
  }

  /**
   * Ends every session, as a server-side sign-out would: their access and refresh tokens stop
   * working at once.
   */
  public synchronized void revokeAllSessions() {
    for (Session session : sessions.values()) session.revoked = true;
  }

  // Verifying.

  /** Returns the number of login requests, successful or not. */
  public synchronized int loginCount() {
    return loginCount;
  }

  /** Returns the number of refresh requests, successful or not. */
  public synchronized int refreshCount() {
    return refreshCount;
  }

  /** Returns the number of logout requests. */
  public synchronized int logoutCount() {
    return logoutCount;
  }

  /**
   * Returns how many times a consumed refresh token was presented again (each revoked its session).
   */
  public synchronized int reuseDetectedCount() {
    return reuseDetectedCount;
  }

  /** Returns how many protected requests were answered with the expired status. */
  public synchronized int expiredCount() {
    return expiredCount;
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
  public synchronized boolean awaitRequestCount(String path, int count, long timeout, TimeUnit unit)
      throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (requestCount(path) < count) {
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
      if (!session.revoked && session.expiresAtMillis > now) count++;
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
    if (path.equals(loginPath))
      return "POST".equals(request.getMethod()) ? login(request) : notAllowed();
    if (path.equals(refreshPath))
      return "POST".equals(request.getMethod()) ? refresh(request) : notAllowed();
    if (path.equals(logoutPath))
      return "POST".equals(request.getMethod()) ? logout(request) : notAllowed();
    return resource(request);
  }

  private synchronized MockResponse login(RecordedRequest request) {
    loginCount++;
    String body = request.getBody() != null ? request.getBody().string(StandardCharsets.UTF_8) : "";
    Map<String, String> fields = new HashMap<>();
    Matcher matcher = JSON_STRING_FIELD.matcher(body);
    while (matcher.find()) fields.put(matcher.group(1), matcher.group(2));
    if (!username.equals(fields.get("username")) || !password.equals(fields.get("password"))) {
      return error(401, "invalid_credentials", "Wrong username or password.").build();
    }
    Session session = new Session(randomId(), clock.millis() + refreshLifetimeMillis);
    sessions.put(session.id, session);
    return tokens(session);
  }

  private MockResponse refresh(RecordedRequest request) throws InterruptedException {
    CountDownLatch hold;
    synchronized (this) {
      refreshCount++;
      hold = refreshHold;
    }
    if (hold != null && !hold.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("Refreshes were held for 30 s without releaseRefreshes().");
    }
    synchronized (this) {
      if (!refreshFailures.isEmpty()) {
        int status = refreshFailures.remove(0);
        return error(status, "unavailable", "Try again later.").build();
      }
      String rt = cookie(request, "rt");
      Session session = rt != null ? refreshTokens.get(rt) : null;
      if (session == null || session.revoked || session.expiresAtMillis <= clock.millis()) {
        return refreshRejected();
      }
      boolean withinGrace =
          rotationGraceMillis > 0 // Without a grace, even a reuse in the same millisecond is reuse.
              && rt.equals(session.previousRefreshToken)
              && clock.millis() - session.rotatedAtMillis <= rotationGraceMillis;
      if (!rt.equals(session.refreshToken) && !withinGrace) {
        reuseDetectedCount++;
        session.revoked = true;
        return refreshRejected();
      }
      if (rejectRefreshes > 0) {
        rejectRefreshes--;
        session.revoked = true;
        return refreshRejected();
      }
      return tokens(session);
    }
  }

  private synchronized MockResponse logout(RecordedRequest request) {
    logoutCount++;
    String rt = cookie(request, "rt");
    Session session = rt != null ? refreshTokens.get(rt) : null;
    if (session != null) session.revoked = true;
    return new MockResponse.Builder().code(204).addHeader("Set-Cookie", clearedCookie()).build();
  }

  private synchronized MockResponse resource(RecordedRequest request) {
    String authorization = request.getHeaders().get("Authorization");
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return error(401, "unauthorized", "Sign in first.")
          .addHeader("WWW-Authenticate", "Bearer realm=\"tokenpair\"")
          .build();
    }
    AccessToken token = accessTokens.get(authorization.substring(7).trim());
    if (token == null
        || token.serial < minimumSerial
        || token.expiresAtMillis <= clock.millis()
        || token.session.revoked) {
      expiredCount++;
      return error(expiredStatus, "invalid_token", "The access token expired or was revoked.")
          .addHeader("WWW-Authenticate", "Bearer realm=\"tokenpair\", error=\"invalid_token\"")
          .build();
    }
    String path = request.getUrl().encodedPath().replace("\\", "\\\\").replace("\"", "\\\"");
    return json(
            200,
            "{\"code\":0,\"message\":\"ok\",\"data\":{\"path\":\""
                + path
                + "\",\"sid\":\""
                + token.session.id
                + "\"}}")
        .build();
  }

  /**
   * Issues a new pair for {@code session}, consuming its previous refresh token. Holds the lock.
   */
  private MockResponse tokens(Session session) {
    long now = clock.millis();
    long n = ++serial;
    long expiresAt = now + accessLifetimeMillis;
    String access = opaque ? "opaque-" + randomId() : jwt(session.id, n, now, expiresAt);
    accessTokens.put(access, new AccessToken(session, n, expiresAt));
    session.previousRefreshToken = session.refreshToken;
    session.rotatedAtMillis = now;
    session.refreshToken = "rt-" + randomId();
    refreshTokens.put(session.refreshToken, session);
    long maxAgeSeconds = Math.max(1, (session.expiresAtMillis - now) / 1000);
    return json(
            200,
            "{\"code\":0,\"message\":\"ok\",\"data\":{\"access_token\":\""
                + access
                + "\",\"token_type\":\"Bearer\",\"expires_in\":"
                + accessLifetimeMillis / 1000
                + "}}")
        .addHeader("Cache-Control", "no-store")
        .addHeader(
            "Set-Cookie",
            "rt="
                + session.refreshToken
                + "; Path=/auth; HttpOnly; SameSite=Strict; Max-Age="
                + maxAgeSeconds)
        .build();
  }

  private MockResponse refreshRejected() {
    return error(401, "invalid_refresh_token", "Sign in again.")
        .addHeader("Set-Cookie", clearedCookie())
        .build();
  }

  private static String clearedCookie() {
    return "rt=; Path=/auth; HttpOnly; SameSite=Strict; Max-Age=0";
  }

  private static MockResponse notAllowed() {
    return error(405, "method_not_allowed", "Use POST.").addHeader("Allow", "POST").build();
  }

  private static MockResponse.Builder error(int status, String error, String message) {
    return json(
        status,
        "{\"code\":" + status + ",\"error\":\"" + error + "\",\"message\":\"" + message + "\"}");
  }

  private static MockResponse.Builder json(int status, String body) {
    return new MockResponse.Builder()
        .code(status)
        .addHeader("Content-Type", "application/json; charset=utf-8")
        .body(body);
  }

  private static String cookie(RecordedRequest request, String name) {
    String found = null;
    for (String header : request.getHeaders().values("Cookie")) {
      for (String pair : header.split(";")) {
        String trimmed = pair.trim();
        if (trimmed.startsWith(name + "=")) {
          if (found != null) return null; // Two cookies of one name: ambiguous, so none.
          found = trimmed.substring(name.length() + 1);
        }
      }
    }
    return found;
  }

  private String jwt(String sid, long n, long issuedAtMillis, long expiresAtMillis) {
    String header = base64Url("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}");
    String payload =
        base64Url(
            "{\"sub\":\"1\",\"sid\":\""
                + sid
                + "\",\"jti\":\""
                + n
                + "\",\"iat\":"
                + issuedAtMillis / 1000
                + ",\"exp\":"
                + expiresAtMillis / 1000
                + "}");
    return header + "." + payload + "." + base64Url(randomId());
  }

  private static String base64Url(String text) {
    return ByteString.encodeUtf8(text).base64Url().replace("=", "");
  }

  private String randomId() {
    byte[] bytes = new byte[12];
    random.nextBytes(bytes);
    return ByteString.of(bytes).hex();
  }

  @Override
  public String toString() {
    return "TokenServerDispatcher{user=" + username + "}";
  }

  private static final class Session {
    final String id;
    final long expiresAtMillis;
    String refreshToken;
    String previousRefreshToken;
    long rotatedAtMillis;
    boolean revoked;

    Session(String id, long expiresAtMillis) {
      this.id = id;
      this.expiresAtMillis = expiresAtMillis;
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

    /** The status for expired or revoked access tokens: 401 (default) or, for example, 419. */
    public Builder expiredStatus(int status) {
      if (status < 400 || status > 599)
        throw new IllegalArgumentException("not an error status: " + status);
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
     * How long after a rotation the previous refresh token is still accepted (answered with a fresh
     * pair) instead of counting as reuse, for clients that lost the answer to a refresh. Default 0:
     * never.
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
     * The paths of the auth endpoints. Default {@code /auth/login}, {@code /auth/refresh}, {@code
     * /auth/logout}.
     */
    public Builder paths(String login, String refresh, String logout) {
      this.loginPath = path(login, "login");
      this.refreshPath = path(refresh, "refresh");
      this.logoutPath = path(logout, "logout");
      return this;
    }

    /** The clock for token expiry. Default the system clock. */
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
      if (!path.startsWith("/"))
        throw new IllegalArgumentException(name + " must start with /: " + path);
      return path;
    }
  }
}
