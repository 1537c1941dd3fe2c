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
 *   <li>{@code POST /oauth/token} ({@linkplain Builder#tokenPath configurable}), the OAuth2 token
 *       endpoint of RFC 6749, form-encoded, no cookie: {@code
 *       grant_type=refresh_token&refresh_token=...} rotates the same sessions with the same rules
 *       as the cookie refresh (a session started at either endpoint continues at either, and a
 *       token spent at one is reuse at the other); {@code
 *       grant_type=password&username=...&password=...} only with {@link Builder#passwordGrant()},
 *       with the login's rules and throttle. 200 {@code {"access_token":...,"token_type":"Bearer",
 *       "expires_in":...,"refresh_token":...}} (§5.1); errors as §5.2 {@code
 *       {"error":...,"error_description":...}}: 400 {@code invalid_grant} for a refresh token that
 *       is unknown, expired, of an ended session or reused, and for wrong credentials; 400 {@code
 *       unsupported_grant_type}; 400 {@code invalid_request} for a missing or repeated parameter
 *       (an empty one counts as missing), 405, 413 and 415; 401 {@code invalid_client} with {@code
 *       WWW-Authenticate: Basic realm="tokenpair"} for another client id or {@linkplain
 *       Builder#clientSecret client authentication} that fails; 429 {@code too_many_attempts}.
 *       Every answer there also carries {@code Pragma: no-cache}.
 *   <li>{@code POST /oauth/revoke} ({@linkplain Builder#revocationPath configurable}), RFC 7009:
 *       form {@code token=...} (a refresh or an access token; {@code token_type_hint} optional),
 *       client authentication as at the token endpoint. It ends the token's session, access tokens
 *       included, and answers 200 without a body, also for a token it does not know; errors as at
 *       the token endpoint. Counted by {@link #revocationCount()}.
 *   <li>With {@link Builder#dpop()}, DPoP (RFC 9449): grants need a proof and issue tokens bound to
 *       its key ({@code token_type} {@code DPoP}), which resources take only as {@code
 *       Authorization: DPoP <token>} with a proof; {@link Builder#requireDpopNonce()} adds nonces.
 *       A grant refused for its proof is counted by {@link #dpopProofFailures()} or {@link
 *       #dpopNonceChallengeCount()}, not as a login or a refresh, and takes no script.
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
 * no-store}, and a {@code Date} header from the {@linkplain Builder#clock clock} at the moment it
 * is sent, as the demo server stamps its own (the SDK estimates the device's clock offset from it).
 *
 * <p>Access tokens are JWTs with {@code sub}, {@code name}, {@code sid}, {@code jti}, {@code iat}
 * and {@code exp} claims (with a dummy signature: the SDK does not verify them), so client-side
 * refresh-ahead can be tested; {@link Builder#opaqueAccessTokens()} issues opaque ones instead.
 *
 * <p>Script it with {@link #expireAccessTokens()}, {@link #revokeAllSessions()}, the next-refresh
 * hooks ({@link #rejectNextRefresh()}, {@link #failNextRefresh(int)}, {@link
 * #disconnectNextRefresh()}, {@link #dropNextRefreshAnswer()}), {@link #holdRefreshes()}; wait with
 * {@link #awaitRefreshes}, {@link #awaitExpiredCount}, {@link #awaitRequestCount}; verify with the
 * counters. The refresh hooks and counters take the refreshes of both protocols, in arrival order;
 * at the token endpoint a script applies once the form and its {@code grant_type} are read, so a
 * scripted failure comes before the client check, and a scripted rejection after it.
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
 * <p>For an app that uses {@code RefreshProtocol.oauth2(server.url("/oauth/token"),
 * "tokenpair-demo")}, sign in with the password grant ({@code builder().passwordGrant()}) or with
 * {@code auth.signIn(accessToken, refreshToken)} and a pair obtained from it.
 *
 * <p>This class is thread-safe: MockWebServer may dispatch concurrent requests, and tests may call
 * every method from any thread. A held refresh waits outside the lock.
 */
public final class TokenServerDispatcher extends Dispatcher {
  private static final long HOLD_LIMIT_SECONDS = 30;

  private static final String INVALID_CREDENTIALS = "The username or password is wrong.";

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
  private final String tokenPath;
  private final String revocationPath;
  private final TokenEndpoint tokenEndpoint;

  /** Null when DPoP is off. Guarded by this. */
  private final Dpop dpop;

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

  /** Refreshes by either protocol. Guarded by this. */
  private int refreshCount;

  /** Guarded by this. */
  private int tokenRefreshCount;

  /** Guarded by this. */
  private int passwordGrantCount;

  /** Guarded by this. */
  private int logoutCount;

  /** Guarded by this. */
  private int revocationCount;

  private TokenServerDispatcher(Builder builder) {
    this.username = builder.username;
    this.password = builder.password;
    this.loginPath = builder.loginPath;
    this.refreshPath = builder.refreshPath;
    this.logoutPath = builder.logoutPath;
    this.tokenPath = builder.tokenPath;
    this.revocationPath = builder.revocationPath;
    this.dpop = builder.dpop ? new Dpop(builder.dpopNonce) : null;
    this.tokenEndpoint =
        new TokenEndpoint(builder.clientId, builder.clientSecret, builder.passwordGrant);
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
   * invalid_token} and their refresh tokens 401 {@code invalid_refresh_token} (400 {@code
   * invalid_grant} at the token endpoint) at once.
   */
  public synchronized void revokeAllSessions() {
    sessions.revokeAll();
  }

  /**
   * The next refresh is rejected as if its session had been revoked just before: the session named
   * by its cookie ends, and it gets 401 {@code invalid_refresh_token} with the cookie cleared; at
   * the token endpoint the session named by its {@code refresh_token} ends, and it gets 400 {@code
   * invalid_grant} (after the client check, which answers as usual). Scripts queue: each refresh of
   * either protocol takes the oldest.
   */
  public synchronized void rejectNextRefresh() {
    scripts.add(Script.REJECT);
  }

  /**
   * The next refresh fails with {@code status} and the body the demo server sends with it, without
   * touching the session or the cookie, as an overloaded server or a proxy in front of it would.
   * One mapping for every status (documented in {@code docs/protocol.md}, "Scripted failures"):
   *
   * <ul>
   *   <li>a status the demo server sends gets its error: 400 {@code invalid_request}, 403 {@code
   *       origin_not_allowed}, 404 {@code not_found}, 405 {@code method_not_allowed} (with {@code
   *       Allow: POST}), 413 {@code payload_too_large}, 415 {@code unsupported_media_type}, 429
   *       {@code too_many_attempts} with {@code Retry-After: 1}, 500 {@code internal_error}, 503
   *       {@code store_unavailable} with {@code Retry-After: 1};
   *   <li>any other 4xx gets {@code invalid_request}, any other 5xx (502, 504, ...) what the demo
   *       server sends with its 503: {@code store_unavailable} with {@code Retry-After: 1}.
   * </ul>
   *
   * <p>At the token endpoint the same refusal is written as RFC 6749 §5.2: {@code
   * too_many_attempts} stays, {@code temporarily_unavailable} for 503 and every other 5xx but 500,
   * which is {@code server_error}, and {@code invalid_request} for every other 4xx; {@code
   * Retry-After} as above. Scripts queue: each refresh of either protocol takes the oldest.
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
   * of either protocol takes the oldest.
   */
  public synchronized void disconnectNextRefresh() {
    scripts.add(Script.DISCONNECT);
  }

  /**
   * The next refresh is performed (the session rotates, or whatever its refresh token earns) but
   * its connection is closed instead of the answer: the server moved on and the client never learns
   * the new refresh token (in the cookie or in the body). Use it to test retries after a lost
   * answer, with and without a {@linkplain Builder#rotationGrace rotation grace}. Scripts queue:
   * each refresh of either protocol takes the oldest.
   */
  public synchronized void dropNextRefreshAnswer() {
    scripts.add(Script.DROP_ANSWER);
  }

  /**
   * Holds the answers of refreshes of either protocol until {@link #releaseRefreshes()}. A held
   * refresh has been counted and performed (the server rotated when it arrived), so {@link
   * #awaitRefreshes} sees it; only its answer waits, at most 30 seconds. Idempotent.
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

  /**
   * Replaces the DPoP nonce: proofs that carry the old one get a {@code use_dpop_nonce} challenge
   * with the new one, as a server that rotates its nonces answers.
   *
   * @throws IllegalStateException unless the dispatcher was built with {@link
   *     Builder#requireDpopNonce()}.
   */
  public synchronized void rotateDpopNonce() {
    if (dpop == null || dpop.nonce() == null) {
      throw new IllegalStateException("DPoP nonces are off (Builder.requireDpopNonce()).");
    }
    dpop.rotateNonce();
  }

  /**
   * Returns the DPoP nonce proofs must carry now, or null unless the dispatcher was built with
   * {@link Builder#requireDpopNonce()}.
   */
  public synchronized String dpopNonce() {
    return dpop == null ? null : dpop.nonce();
  }

  // Verifying.

  /**
   * Returns the number of login requests, successful or not: those at the login path and the {@code
   * grant_type=password} requests at the token endpoint.
   */
  public synchronized int loginCount() {
    return loginCount;
  }

  /**
   * Returns the number of {@code grant_type=password} requests at the token endpoint, successful or
   * not (also while the grant is off). They are part of {@link #loginCount()}.
   */
  public synchronized int passwordGrantCount() {
    return passwordGrantCount;
  }

  /**
   * Returns the number of refresh requests by either protocol, successful or not, held ones
   * included: those at the refresh path and the {@code grant_type=refresh_token} requests at the
   * token endpoint.
   */
  public synchronized int refreshCount() {
    return refreshCount;
  }

  /**
   * Returns the number of {@code grant_type=refresh_token} requests at the token endpoint,
   * successful or not, held ones included. They are part of {@link #refreshCount()}; the cookie
   * refreshes are the difference.
   */
  public synchronized int tokenRefreshCount() {
    return tokenRefreshCount;
  }

  /** Returns the number of logout requests. */
  public synchronized int logoutCount() {
    return logoutCount;
  }

  /**
   * Returns the number of requests at the revocation endpoint, whatever their answer (an unknown
   * token is revoked too, as RFC 7009 has it: 200).
   */
  public synchronized int revocationCount() {
    return revocationCount;
  }

  /**
   * Returns how many requests were answered {@code use_dpop_nonce} (at the token and revocation
   * endpoints 400, at a resource 401): their proof was valid but lacked the current nonce.
   */
  public synchronized int dpopNonceChallengeCount() {
    return dpop == null ? 0 : dpop.nonceChallengeCount();
  }

  /**
   * Returns how many requests were answered {@code invalid_dpop_proof}: a proof missing where one
   * is required, malformed, badly signed, for another method or URL, out of its {@code iat} window,
   * a replayed {@code jti}, a wrong {@code ath}, or made with another key than the token's.
   */
  public synchronized int dpopProofFailures() {
    return dpop == null ? 0 : dpop.failureCount();
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
   * Blocks until at least {@code count} refresh requests of either protocol (see {@link
   * #refreshCount()}) have arrived and been performed (their answers may be {@linkplain
   * #holdRefreshes() held}), or the timeout passes.
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

  /**
   * Answers {@code request} as the demo server would, with a {@code Date} header from the clock at
   * the moment the answer is sent (after a {@linkplain #holdRefreshes() hold}).
   */
  @Override
  public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
    MockResponse answer = answer(request);
    String path = request.getUrl().encodedPath();
    String nonce;
    synchronized (this) {
      nonce = dpop != null && !isCookieEndpoint(path) ? dpop.nonce() : null;
    }
    if (nonce != null) answer = answer.newBuilder().setHeader(Dpop.NONCE_HEADER, nonce).build();
    return Answers.dated(answer, clock.millis());
  }

  private boolean isCookieEndpoint(String path) {
    return path.equals(loginPath) || path.equals(refreshPath) || path.equals(logoutPath);
  }

  private MockResponse answer(RecordedRequest request) throws InterruptedException {
    String path = request.getUrl().encodedPath();
    synchronized (this) {
      requests.add(request);
      notifyAll();
    }
    if (path.equals(tokenPath)) return token(request);
    if (path.equals(revocationPath)) return revoke(request);
    try {
      if (path.equals(loginPath)) return login(requirePost(request));
      if (path.equals(refreshPath)) return refresh(new CookieRefresh(requirePost(request)));
      if (path.equals(logoutPath)) return logout(requirePost(request));
      synchronized (this) {
        try {
          return sessions.resource(request, dpop);
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
      Sessions.Pair pair = signIn(user, pass, null);
      if (pair == null) {
        throw new Refusal(401, "invalid_credentials", INVALID_CREDENTIALS)
            .header("WWW-Authenticate", Answers.REALM);
      }
      return sessions.cookieAnswer(request, pair);
    }
  }

  /**
   * The login rules of both endpoints: the throttle, then the password. Returns the new session's
   * first pair, bound to the DPoP key {@code jkt} unless it is null, or null for wrong credentials
   * (counted by the throttle). Guarded by this.
   */
  private Sessions.Pair signIn(String user, String pass, String jkt) throws Refusal {
    long now = clock.millis();
    long wait = throttle.waitMillis(CLIENT_IP, user, now);
    if (wait > 0) {
      throw new Refusal(429, "too_many_attempts", "Too many failed logins. Try again later.")
          .header("Retry-After", String.valueOf(LoginThrottle.retryAfterSeconds(wait)));
    }
    if (!username.equals(user) || !password.equals(pass)) {
      throttle.recordFailure(CLIENT_IP, user, now);
      return null;
    }
    throttle.recordSuccess(user);
    return sessions.start(jkt, tokenEndpoint.isPublic() ? jkt : null);
  }

  private synchronized MockResponse logout(RecordedRequest request) throws Refusal {
    logoutCount++;
    return sessions.logout(request);
  }

  /** The token endpoint: RFC 6749 §5.2 errors for everything, also 405 and bad bodies. */
  private MockResponse token(RecordedRequest request) throws InterruptedException {
    Form form;
    String grantType;
    try {
      requirePost(request);
      form = Form.read(request);
      grantType = form.required("grant_type");
    } catch (Refusal refusal) {
      return refusal.tokenAnswer();
    }
    boolean refresh = grantType.equals(TokenEndpoint.REFRESH_TOKEN);
    boolean password = grantType.equals(TokenEndpoint.PASSWORD);
    if (!refresh && !password) return tokenEndpoint.unsupportedGrantType().tokenAnswer();
    if (password && !tokenEndpoint.passwordGrant()) {
      countPasswordGrant();
      return TokenEndpoint.passwordGrantOff().tokenAnswer();
    }
    String jkt;
    try {
      jkt = proof(request, dpop != null);
    } catch (Refusal refusal) {
      return refusal.tokenAnswer(); // counted as a DPoP failure, not as a grant
    }
    if (refresh) return refresh(new TokenRefresh(request, form, jkt));
    return passwordGrant(request, form, jkt);
  }

  /**
   * The DPoP proof of a request to the token or revocation endpoint, verified: the thumbprint of
   * its key, or null when DPoP is off or there is no proof and none is {@code required}.
   */
  private synchronized String proof(RecordedRequest request, boolean required) throws Refusal {
    if (dpop == null) return null;
    try {
      if (!required && dpop.header(request) == null) return null;
      return dpop.verify(request, null, clock.millis());
    } catch (Dpop.Failure failure) {
      throw failure.grantRefusal(dpop);
    }
  }

  private synchronized void countPasswordGrant() {
    loginCount++;
    passwordGrantCount++;
  }

  private MockResponse passwordGrant(RecordedRequest request, Form form, String jkt) {
    countPasswordGrant();
    try {
      tokenEndpoint.checkClient(request, form);
      String user = form.required("username");
      String pass = form.required("password");
      synchronized (this) {
        Sessions.Pair pair = signIn(user, pass, jkt);
        if (pair == null) throw TokenEndpoint.invalidGrant(INVALID_CREDENTIALS);
        return Answers.tokenPair(pair);
      }
    } catch (Refusal refusal) {
      return refusal.tokenAnswer();
    }
  }

  /**
   * One refresh request, in the protocol it came by: the three ways a script can have it answered,
   * each with the protocol's answers. Called under the dispatcher's lock; never blocks.
   */
  private interface RefreshCall {
    /** Counts the request in the protocol's own counter, if it has one. */
    void count();

    /** The ordinary handling: rotation, grace or reuse detection. */
    MockResponse rotate();

    /** As if the session named by the request had been revoked just before. */
    MockResponse reject();

    /** A transient failure with {@code status}, the session untouched. */
    MockResponse fail(int status);
  }

  /** {@code POST /auth/refresh} with the {@code rt} cookie. */
  private final class CookieRefresh implements RefreshCall {
    private final RecordedRequest request;

    CookieRefresh(RecordedRequest request) {
      this.request = request;
    }

    @Override
    public void count() {}

    @Override
    public MockResponse rotate() {
      try {
        return sessions.cookieRotate(request);
      } catch (Refusal refusal) {
        return refusal.answer();
      }
    }

    @Override
    public MockResponse reject() {
      try {
        return sessions.cookieReject(request).answer();
      } catch (Refusal refusal) {
        return refusal.answer();
      }
    }

    @Override
    public MockResponse fail(int status) {
      return Answers.failure(status).answer();
    }
  }

  /**
   * {@code grant_type=refresh_token} at the token endpoint, its DPoP proof (if any) verified:
   * client, then the refresh token.
   */
  private final class TokenRefresh implements RefreshCall {
    private final RecordedRequest request;
    private final Form form;

    /** The thumbprint of the proof's key, or null without DPoP. */
    private final String jkt;

    TokenRefresh(RecordedRequest request, Form form, String jkt) {
      this.request = request;
      this.form = form;
      this.jkt = jkt;
    }

    @Override
    public void count() {
      tokenRefreshCount++;
    }

    @Override
    public MockResponse rotate() {
      try {
        return Answers.tokenPair(sessions.rotate(refreshToken(), jkt, tokenEndpoint.isPublic()));
      } catch (Refusal refusal) {
        return refusal.tokenAnswer();
      } catch (Sessions.Rejected rejected) {
        return grantRefusal(rejected).tokenAnswer();
      }
    }

    @Override
    public MockResponse reject() {
      try {
        Sessions.Rejected rejected = sessions.reject(refreshToken());
        return TokenEndpoint.invalidGrant(rejected.getMessage()).tokenAnswer();
      } catch (Refusal refusal) {
        return refusal.tokenAnswer();
      }
    }

    @Override
    public MockResponse fail(int status) {
      return Answers.failure(status).tokenAnswer();
    }

    private String refreshToken() throws Refusal {
      tokenEndpoint.checkClient(request, form);
      return form.required(TokenEndpoint.REFRESH_TOKEN);
    }
  }

  /**
   * A refused token at the token or revocation endpoint: {@code invalid_dpop_proof} for one bound
   * to a key the request does not prove, else {@code invalid_grant}. Guarded by this.
   */
  private Refusal grantRefusal(Sessions.Rejected rejected) {
    if (rejected.reason == Sessions.Reason.WRONG_KEY) {
      return dpop == null
          ? TokenEndpoint.invalidGrant(rejected.getMessage())
          : dpop.failure(rejected.getMessage()).grantRefusal(dpop);
    }
    return TokenEndpoint.invalidGrant(rejected.getMessage());
  }

  /**
   * The revocation endpoint (RFC 7009): {@code token} (a refresh or an access token; {@code
   * token_type_hint} is not needed) ends its session. Client authentication as at the token
   * endpoint; a DPoP proof, when sent, is verified, and a bound token needs one made with its key.
   * 200 with no body, also for an unknown token; errors as RFC 6749 §5.2.
   */
  private MockResponse revoke(RecordedRequest request) {
    synchronized (this) {
      revocationCount++;
    }
    try {
      requirePost(request);
      Form form = Form.read(request);
      String jkt = proof(request, false);
      tokenEndpoint.checkClient(request, form);
      String token = form.required("token");
      form.optional("token_type_hint"); // read, so that a repeated one is invalid_request
      synchronized (this) {
        try {
          sessions.revoke(token, jkt);
        } catch (Sessions.Rejected rejected) {
          throw grantRefusal(rejected);
        }
      }
      return Answers.token(Answers.empty(200)).build();
    } catch (Refusal refusal) {
      return refusal.tokenAnswer();
    }
  }

  private MockResponse refresh(RefreshCall call) throws InterruptedException {
    MockResponse answer;
    CountDownLatch hold;
    synchronized (this) {
      refreshCount++;
      call.count();
      Script script = scripts.poll();
      if (script == Script.DISCONNECT) {
        answer = Answers.cutConnection();
      } else if (script != null && script.failStatus != 0) {
        answer = call.fail(script.failStatus);
      } else {
        answer = script == Script.REJECT ? call.reject() : call.rotate();
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
    String tokenPath = "/oauth/token";
    String revocationPath = "/oauth/revoke";
    boolean dpop;
    boolean dpopNonce;
    String clientId = "tokenpair-demo";
    String clientSecret;
    boolean passwordGrant;
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

    /**
     * The path of the OAuth2 token endpoint (RFC 6749 §3.2). Default {@code /oauth/token}, as the
     * demo server's. It reads and writes no cookie, so it does not move the cookie's {@code Path}.
     */
    public Builder tokenPath(String token) {
      this.tokenPath = path(token, "token");
      return this;
    }

    /**
     * The path of the revocation endpoint (RFC 7009). Default {@code /oauth/revoke}, as the demo
     * server's.
     */
    public Builder revocationPath(String revocation) {
      this.revocationPath = path(revocation, "revocation");
      return this;
    }

    /**
     * Sender-constrained tokens (DPoP, RFC 9449), as the demo server's {@code --dpop required}:
     * every grant at the token endpoint needs a valid proof (else 400 {@code invalid_dpop_proof}),
     * and binds the access token it issues to the proof's key ({@code token_type} {@code DPoP},
     * claim {@code cnf.jkt}); for a public client the refresh token too, so it is refused (400
     * {@code invalid_dpop_proof}, nothing consumed) with a proof of another key. A bound access
     * token is accepted only as {@code Authorization: DPoP <token>} with a proof whose {@code ath}
     * is its hash; refusals carry {@code WWW-Authenticate: DPoP realm="tokenpair", error="...",
     * algs="ES256"}. Tokens of the cookie endpoints stay Bearer tokens. A proof is ES256 with a
     * public P-256 {@code jwk}, {@code typ} {@code dpop+jwt}, {@code htm} and {@code htu} of the
     * request (query and fragment ignored), an {@code iat} at most 15 s ahead of the clock and 25 s
     * behind it, and a {@code jti} never used before. Default off: {@code DPoP} headers are
     * ignored.
     */
    public Builder dpop() {
      this.dpop = true;
      return this;
    }

    /**
     * {@link #dpop()} with nonces (RFC 9449 §8, §9): a proof must carry the server's current nonce,
     * else it is answered {@code use_dpop_nonce} (400 at the token and revocation endpoints, 401
     * with a {@code DPoP} challenge at a resource) with the nonce in {@code DPoP-Nonce}. Every
     * answer of those endpoints carries the current nonce; {@link
     * TokenServerDispatcher#rotateDpopNonce()} replaces it.
     */
    public Builder requireDpopNonce() {
      this.dpop = true;
      this.dpopNonce = true;
      return this;
    }

    /**
     * The one client the token endpoint knows. Default {@code tokenpair-demo}, as the demo
     * server's. A request may name it with {@code client_id} or leave it out; another id gets 401
     * {@code invalid_client}.
     */
    public Builder clientId(String clientId) {
      if (clientId == null) throw new NullPointerException("clientId == null");
      if (clientId.isEmpty()) throw new IllegalArgumentException("clientId is empty");
      this.clientId = clientId;
      return this;
    }

    /**
     * Makes the client confidential, with this secret: every grant must then authenticate it with
     * exactly one of {@code client_secret_basic} (an {@code Authorization: Basic} header of the
     * form-encoded id and secret, RFC 6749 §2.3.1) and {@code client_secret_post} ({@code
     * client_id} and {@code client_secret} in the form). A missing or wrong secret gets 401 {@code
     * invalid_client} with {@code WWW-Authenticate: Basic realm="tokenpair"}; both methods at once
     * 400 {@code invalid_request}. Default none: a public client, as the demo server's, that
     * refuses any client authentication with 401 {@code invalid_client}.
     */
    public Builder clientSecret(String clientSecret) {
      if (clientSecret == null) throw new NullPointerException("clientSecret == null");
      if (clientSecret.isEmpty()) throw new IllegalArgumentException("clientSecret is empty");
      this.clientSecret = clientSecret;
      return this;
    }

    /**
     * Lets the token endpoint take {@code grant_type=password} ({@code username}, {@code password})
     * with the login's rules and throttle, as the demo server's {@code --password-grant on}.
     * Default off, as there: OAuth 2.1 drops the grant, so it is a demo and test convenience; while
     * off it gets 400 {@code unsupported_grant_type}.
     */
    public Builder passwordGrant() {
      this.passwordGrant = true;
      return this;
    }

    /**
     * The clock for token expiry, the rotation grace, the login throttle and every answer's {@code
     * Date} header. Default the system clock.
     */
    public Builder clock(Clock clock) {
      if (clock == null) throw new NullPointerException("clock == null");
      this.clock = clock;
      return this;
    }

    /**
     * Returns a new dispatcher.
     *
     * @throws IllegalStateException if the token or revocation path is also a path of the cookie
     *     endpoints, or they are the same path.
     */
    public TokenServerDispatcher build() {
      String[][] paths = {{"token", tokenPath}, {"revocation", revocationPath}};
      for (String[] named : paths) {
        String path = named[1];
        if (path.equals(loginPath) || path.equals(refreshPath) || path.equals(logoutPath)) {
          throw new IllegalStateException(
              "The " + named[0] + " path " + path + " is also a path of the cookie endpoints.");
        }
      }
      if (tokenPath.equals(revocationPath)) {
        throw new IllegalStateException("The token and revocation paths are both " + tokenPath);
      }
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
