package io.tokenpair.mockwebserver;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okio.ByteString;

/**
 * The demo server's sessions and token rules, in memory: issuing pairs, rotation with its grace,
 * reuse detection, revocation and access-token checks, as {@code Grants}, {@code BearerAuth} and
 * {@code InMemorySessionStore} apply them. One refresh token kind serves both protocols: a session
 * started by either endpoint rotates through either. The cookie endpoints' answers are written
 * here; the token endpoint's by {@link TokenEndpoint}. Not thread-safe: {@link
 * TokenServerDispatcher} calls it under its own lock, and no call blocks.
 */
final class Sessions {
  /**
   * The clock leeway with which the demo server checks {@code exp}: a token is valid while the
   * current whole second is before {@code exp} plus the leeway.
   */
  static final long LEEWAY_MILLIS = 5_000;

  private final String username;
  private final String cookiePath;
  private final int expiredStatus;
  private final long accessLifetimeMillis;
  private final long refreshLifetimeMillis;
  private final boolean opaque;
  private final boolean sequential;
  private final long rotationGraceMillis;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  private final Map<String, AccessToken> accessTokens = new HashMap<>();

  /** Sessions by id. */
  private final Map<String, Session> sessions = new HashMap<>();

  /** Every refresh token issued, to its session and jti. */
  private final Map<String, RefreshToken> refreshTokens = new HashMap<>();

  /** Access tokens issued before this serial are expired. */
  private long minimumSerial;

  /** The serial of the last pair issued. */
  private long serial;

  /** The last refresh-token jti handed out. */
  private long jtiSerial;

  private String lastAccessToken;
  private int reuseDetectedCount;
  private int graceRetryCount;
  private int expiredCount;

  Sessions(TokenServerDispatcher.Builder builder, String cookiePath) {
    this.username = builder.username;
    this.cookiePath = cookiePath;
    this.expiredStatus = builder.expiredStatus;
    this.accessLifetimeMillis = builder.accessLifetimeMillis;
    this.refreshLifetimeMillis = builder.refreshLifetimeMillis;
    this.opaque = builder.opaque;
    this.sequential = builder.sequential;
    this.rotationGraceMillis = builder.rotationGraceMillis;
    this.clock = builder.clock;
  }

  /**
   * Starts a session for the one user and issues its first pair.
   *
   * @param accessJkt the thumbprint of the DPoP key the access token is bound to, or null
   * @param refreshJkt the same for the refresh token (a public client's), or null
   */
  Pair start(String accessJkt, String refreshJkt) {
    long now = wholeSeconds(clock.millis());
    Session session = new Session(randomId(), now + refreshLifetimeMillis, ++jtiSerial);
    sessions.put(session.id, session);
    return pair(session, now, accessJkt, refreshJkt);
  }

  void expireAccessTokens() {
    minimumSerial = serial + 1;
  }

  void revokeAll() {
    for (Session session : sessions.values()) session.revoked = true;
  }

  int activeCount() {
    int count = 0;
    long now = clock.millis();
    for (Session session : sessions.values()) {
      if (session.isActive(now)) count++;
    }
    return count;
  }

  String lastAccessToken() {
    return lastAccessToken;
  }

  int reuseDetectedCount() {
    return reuseDetectedCount;
  }

  int graceRetryCount() {
    return graceRetryCount;
  }

  int expiredCount() {
    return expiredCount;
  }

  /**
   * The demo server's rotation, reuse detection and grace, for refresh token {@code rt} from either
   * endpoint. A refresh token bound to a DPoP key is refused, before anything changes, unless
   * {@code jkt} names that key.
   *
   * @param jkt the thumbprint of the key the request's DPoP proof was made with, or null
   * @param bindRefresh whether the new refresh token is bound to {@code jkt} too (a public
   *     client's); one that was bound stays bound
   */
  Pair rotate(String rt, String jkt, boolean bindRefresh) throws Rejected {
    long now = wholeSeconds(clock.millis());
    RefreshToken token = refreshTokens.get(rt);
    if (token == null || now >= token.session.expiresAtMillis + LEEWAY_MILLIS) {
      throw new Rejected(Reason.INVALID);
    }
    if (token.jkt != null && !token.jkt.equals(jkt)) throw new Rejected(Reason.WRONG_KEY);
    String refreshJkt = token.jkt != null ? token.jkt : bindRefresh ? jkt : null;
    Session session = token.session;
    if (!session.isActive(now)) throw new Rejected(Reason.ENDED);
    if (token.jti == session.currentJti) {
      session.usedJtis.add(token.jti);
      session.previousJti = token.jti;
      session.rotatedAtMillis = now;
      session.currentJti = ++jtiSerial;
      return pair(session, now, jkt, refreshJkt);
    }
    if (session.usedJtis.contains(token.jti)) {
      boolean withinGrace =
          rotationGraceMillis > 0
              && token.jti == session.previousJti
              && now <= session.rotatedAtMillis + rotationGraceMillis;
      if (withinGrace) {
        graceRetryCount++;
        return pair(session, now, jkt, refreshJkt);
      }
      reuseDetectedCount++;
      session.revoked = true;
      throw new Rejected(Reason.REUSED);
    }
    throw new Rejected(Reason.ENDED);
  }

  /**
   * Ends the session that issued {@code rt}, if any, as a revocation just before a refresh would.
   *
   * @return the reason such a refresh is refused
   */
  Rejected reject(String rt) {
    RefreshToken token = rt != null ? refreshTokens.get(rt) : null;
    if (token != null) token.session.revoked = true;
    return new Rejected(Reason.ENDED);
  }

  /**
   * RFC 7009 revocation of {@code token}, a refresh or an access token: its session ends, its
   * access tokens with it. An unknown token is no error. A token bound to a DPoP key is revoked
   * only with a proof made with that key ({@code jkt}).
   */
  void revoke(String token, String jkt) throws Rejected {
    RefreshToken refresh = refreshTokens.get(token);
    AccessToken access = accessTokens.get(token);
    Session session = refresh != null ? refresh.session : access != null ? access.session : null;
    String bound = refresh != null ? refresh.jkt : access != null ? access.jkt : null;
    if (bound != null && !bound.equals(jkt)) throw new Rejected(Reason.WRONG_KEY);
    if (session != null) session.revoked = true;
  }

  /** {@link #rotate} with the {@code rt} cookie, answered as {@code /auth/refresh} does. */
  MockResponse cookieRotate(RecordedRequest request) throws Refusal {
    String rt = singleRefreshCookie(request);
    if (rt == null) {
      throw clearingCookie(
              request, new Refusal(401, "missing_refresh_token", "No refresh token cookie."))
          .header("WWW-Authenticate", Answers.REALM);
    }
    try {
      return cookieAnswer(request, rotate(rt, null, false));
    } catch (Rejected rejected) {
      throw cookieRefusal(request, rejected);
    }
  }

  /** {@link #reject} with the {@code rt} cookie, answered as {@code /auth/refresh} does. */
  Refusal cookieReject(RecordedRequest request) throws Refusal {
    return cookieRefusal(request, reject(singleRefreshCookie(request)));
  }

  /** Revokes the session named by the cookie (any of its family) and by a valid bearer. */
  MockResponse logout(RecordedRequest request) throws Refusal {
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

  /**
   * A protected resource: 200 for a live access token. With {@code dpop} (null when DPoP is off), a
   * token sent with the {@code DPoP} scheme needs a valid proof of the key it is bound to, and a
   * bound token is refused with the {@code Bearer} scheme; their refusals carry a {@code DPoP}
   * challenge.
   */
  MockResponse resource(RecordedRequest request, Dpop dpop) throws Refusal {
    Requests.Presented presented = Requests.accessToken(request, dpop != null);
    if (presented == null) {
      throw new Refusal(401, "missing_token", "An access token is required.")
          .header("WWW-Authenticate", Answers.REALM);
    }
    long now = clock.millis();
    AccessToken token = accessTokens.get(presented.token);
    String invalid = presented.dpop ? Answers.dpopChallenge("invalid_token") : Answers.INVALID;
    if (presented.dpop) {
      String jkt;
      try {
        jkt = dpop.verify(request, presented.token, now);
      } catch (Dpop.Failure failure) {
        throw failure.resourceRefusal(dpop);
      }
      if (token != null && token.jkt == null) {
        throw Requests.invalidToken("The access token is not DPoP-bound: send it as Bearer.")
            .header("WWW-Authenticate", invalid);
      }
      if (token != null && !token.jkt.equals(jkt)) {
        throw dpop.failure("The access token is bound to another key.").resourceRefusal(dpop);
      }
    } else if (token != null && token.jkt != null) {
      throw Requests.invalidToken(
              "The access token is DPoP-bound: send it with the DPoP scheme and a proof.")
          .header("WWW-Authenticate", Answers.dpopChallenge("invalid_token"));
    }
    if (token == null) {
      throw Requests.invalidToken("The access token is invalid.")
          .header("WWW-Authenticate", invalid);
    }
    if (isExpired(token, now)) {
      expiredCount++;
      throw new Refusal(expiredStatus, "token_expired", "The access token expired.")
          .header("WWW-Authenticate", invalid);
    }
    if (!token.session.isActive(now)) {
      throw Requests.invalidToken("The session has ended.").header("WWW-Authenticate", invalid);
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", "1");
    data.put("username", username);
    data.put("path", request.getUrl().encodedPath());
    data.put("sid", token.session.id);
    return Answers.success(data).build();
  }

  /** Expired by {@link #expireAccessTokens()} or by its {@code exp} and the leeway. */
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

  private Refusal cookieRefusal(RecordedRequest request, Rejected rejected) {
    return clearingCookie(
            request, new Refusal(401, rejected.reason.cookieError, rejected.getMessage()))
        .header("WWW-Authenticate", Answers.INVALID);
  }

  private Refusal clearingCookie(RecordedRequest request, Refusal refusal) {
    return refusal.header("Set-Cookie", cookie(request, "", 0));
  }

  /**
   * Issues an access token and a refresh token for the session's current jti, each bound to the
   * DPoP key thumbprint given for it, or to none when it is null.
   */
  private Pair pair(Session session, long now, String accessJkt, String refreshJkt) {
    long n = ++serial;
    long expiresAt = now + accessLifetimeMillis;
    String access;
    if (!opaque) access = jwt(session.id, n, now, expiresAt, accessJkt);
    else access = sequential ? "access-" + n : "opaque-" + randomId();
    accessTokens.put(access, new AccessToken(session, n, expiresAt, accessJkt));
    lastAccessToken = access;
    String refresh = sequential ? "refresh-" + n : "rt-" + randomId();
    refreshTokens.put(refresh, new RefreshToken(session, session.currentJti, refreshJkt));
    long refreshSeconds = Math.max(0, (session.expiresAtMillis - now) / 1000);
    return new Pair(
        access, accessLifetimeMillis / 1000, refresh, refreshSeconds, accessJkt != null);
  }

  /** The pair as the cookie endpoints answer it: the access token in the body, the cookie. */
  MockResponse cookieAnswer(RecordedRequest request, Pair pair) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("access_token", pair.accessToken);
    data.put("token_type", "Bearer");
    data.put("expires_in", pair.expiresInSeconds);
    return Answers.success(data)
        .addHeader("Set-Cookie", cookie(request, pair.refreshToken, pair.refreshSeconds))
        .build();
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

  private String jwt(String sid, long n, long issuedAtMillis, long expiresAtMillis, String jkt) {
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
    if (jkt != null) claims.put("cnf", Collections.singletonMap("jkt", jkt));
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

  /** A pair issued for a session. Immutable. */
  static final class Pair {
    final String accessToken;
    final long expiresInSeconds;

    /** The session's current refresh token. */
    final String refreshToken;

    /** How long the family has left: rotation never extends it. */
    final long refreshSeconds;

    /** Whether the access token is bound to a DPoP key: its {@code token_type} is {@code DPoP}. */
    final boolean dpop;

    Pair(
        String accessToken,
        long expiresInSeconds,
        String refreshToken,
        long refreshSeconds,
        boolean dpop) {
      this.accessToken = accessToken;
      this.expiresInSeconds = expiresInSeconds;
      this.refreshToken = refreshToken;
      this.refreshSeconds = refreshSeconds;
      this.dpop = dpop;
    }
  }

  /** Why a refresh token was refused, with the demo server's message for either endpoint. */
  enum Reason {
    /** Unknown, or its family ended longer ago than the leeway. */
    INVALID("invalid_refresh_token", "The refresh token is invalid or expired."),
    /** Its session was revoked or has ended, or it is a consumed token of another generation. */
    ENDED("invalid_refresh_token", "The refresh token is no longer valid."),
    /** A consumed token presented again outside the grace: the session is revoked. */
    REUSED("refresh_token_reused", "The refresh token was already used; the session ended."),
    /**
     * Bound to a DPoP key the request did not prove (no proof, or one made with another key).
     * Nothing changed; the token endpoint answers {@code invalid_dpop_proof}.
     */
    WRONG_KEY(
        "invalid_refresh_token",
        "The token is bound to a DPoP key that this request does not prove.");

    /**
     * The {@code error} of {@code /auth/refresh}; the token endpoint answers {@code invalid_grant}.
     */
    final String cookieError;

    final String message;

    Reason(String cookieError, String message) {
      this.cookieError = cookieError;
      this.message = message;
    }
  }

  /** A refused refresh token. Carries no stack trace and no token. */
  static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;

    final Reason reason;

    Rejected(Reason reason) {
      super(reason.message, null, false, false);
      this.reason = reason;
    }
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

    /** The thumbprint of the DPoP key it is bound to ({@code cnf.jkt}), or null. */
    final String jkt;

    RefreshToken(Session session, long jti, String jkt) {
      this.session = session;
      this.jti = jti;
      this.jkt = jkt;
    }
  }

  private static final class AccessToken {
    final Session session;
    final long serial;
    final long expiresAtMillis;

    /** The thumbprint of the DPoP key it is bound to ({@code cnf.jkt}), or null. */
    final String jkt;

    AccessToken(Session session, long serial, long expiresAtMillis, String jkt) {
      this.session = session;
      this.serial = serial;
      this.expiresAtMillis = expiresAtMillis;
      this.jkt = jkt;
    }
  }
}
