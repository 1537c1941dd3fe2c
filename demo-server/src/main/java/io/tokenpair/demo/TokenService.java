package io.tokenpair.demo;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * Issues and verifies the two token kinds. They are kept apart by a separate HMAC key, an explicit
 * {@code typ} header ({@code at+jwt} or {@code rt+jwt}, RFC 9068) and their own audience; both are
 * HS256 only, must carry {@code exp}, and are checked with {@link #LEEWAY_SECONDS} of clock leeway.
 *
 * <p>This class is thread-safe.
 */
public final class TokenService {
  static final String ISSUER = "tokenpair-demo";
  static final String ACCESS_AUDIENCE = "tokenpair-api";
  static final String REFRESH_AUDIENCE = "tokenpair-refresh";
  static final String ACCESS_TYPE = "at+jwt";
  static final String REFRESH_TYPE = "rt+jwt";

  /**
   * Clock leeway, in seconds, when checking a token's {@code exp}: it is still accepted that long
   * after.
   */
  public static final long LEEWAY_SECONDS = 5;

  /** The refresh token's claim for its family's rotation counter. */
  static final String GENERATION = "gen";

  /** The refresh token's claim for its user's credential stamp ({@link UserDirectory.User}). */
  static final String CREDENTIAL = "cred";

  private final Algorithm accessKey;
  private final Algorithm refreshKey;
  private final JWTVerifier accessVerifier;
  private final JWTVerifier refreshVerifier;
  private final JWTVerifier expiredAccessVerifier;
  private final Clock clock;
  private final byte[] credentialKey;
  private final SecureRandom random = new SecureRandom();

  /** The claim that binds a token to a DPoP key (RFC 9449 §6): {@code cnf: {jkt: thumbprint}}. */
  static final String CONFIRMATION = "cnf";

  /**
   * Claims of a verified access token.
   *
   * @param jkt the thumbprint of the DPoP key it is bound to ({@code cnf.jkt}), or null
   */
  public record AccessClaims(String subject, String username, String sid, String jti, String jkt) {}

  /**
   * Claims of a verified refresh token.
   *
   * @param generation the family's rotation counter when the token was issued (claim {@code gen}),
   *     or {@link SessionStore#UNKNOWN_GENERATION} for a token issued before tokens carried it
   * @param credential the user's credential stamp when the token was issued (claim {@code cred}),
   *     or null for a token issued before tokens carried it
   * @param jkt the thumbprint of the DPoP key it is bound to ({@code cnf.jkt}), or null
   */
  public record RefreshClaims(
      String subject,
      String sid,
      String jti,
      long generation,
      Instant expiresAt,
      String credential,
      String jkt) {}

  /**
   * Why a token was refused. {@link #expired()} is true only for a token that is otherwise valid.
   */
  public static final class InvalidTokenException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean expired;

    InvalidTokenException(String message, boolean expired) {
      super(message, null, false, false);
      this.expired = expired;
    }

    public boolean expired() {
      return expired;
    }
  }

  public TokenService(byte[] accessSecret, byte[] refreshSecret, Clock clock) {
    this.clock = clock;
    this.credentialKey =
        Algorithm.HMAC256(refreshSecret)
            .sign("tokenpair-credential".getBytes(StandardCharsets.UTF_8));
    this.accessKey = Algorithm.HMAC256(accessSecret);
    this.refreshKey = Algorithm.HMAC256(refreshSecret);
    this.accessVerifier = verifier(accessKey, ACCESS_AUDIENCE, clock);
    this.refreshVerifier = verifier(refreshKey, REFRESH_AUDIENCE, clock);
    var expiredAccepted = base(accessKey, ACCESS_AUDIENCE);
    expiredAccepted.acceptExpiresAt(EXPIRED_ACCEPTED_SECONDS);
    this.expiredAccessVerifier = expiredAccepted.build(clock);
  }

  /** How long after its expiry an access token still names its session for a logout: ten years. */
  private static final long EXPIRED_ACCEPTED_SECONDS = 3650L * 24 * 3600;

  private static JWTVerifier verifier(Algorithm key, String audience, Clock clock) {
    return base(key, audience).build(clock);
  }

  private static JWTVerifier.BaseVerification base(Algorithm key, String audience) {
    var verification =
        (JWTVerifier.BaseVerification)
            JWT.require(key)
                .withIssuer(ISSUER)
                .withAudience(audience)
                .withClaimPresence("exp")
                .withClaimPresence("sub")
                .withClaimPresence("sid")
                .withClaimPresence("jti")
                .acceptLeeway(LEEWAY_SECONDS);
    return verification;
  }

  /**
   * The key of the users' credential stamps: derived from the refresh secret, so it is stable
   * across restarts exactly when the refresh tokens are.
   */
  byte[] credentialKey() {
    return credentialKey.clone();
  }

  /** Returns a new random identifier for a {@code jti} or a session id. */
  public String newId() {
    var bytes = new byte[16];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public String issueAccess(String subject, String username, String sid, Instant expiresAt) {
    return issueAccess(subject, username, sid, expiresAt, null);
  }

  /** As above, bound to the DPoP key with thumbprint {@code jkt} ({@code cnf.jkt}) unless null. */
  public String issueAccess(
      String subject, String username, String sid, Instant expiresAt, String jkt) {
    var jwt = JWT.create();
    if (jkt != null) jwt.withClaim(CONFIRMATION, Map.of("jkt", jkt));
    return jwt.withHeader(Map.of("typ", ACCESS_TYPE))
        .withIssuer(ISSUER)
        .withAudience(ACCESS_AUDIENCE)
        .withSubject(subject)
        .withClaim("name", username)
        .withClaim("sid", sid)
        .withJWTId(newId())
        .withIssuedAt(clock.instant())
        .withExpiresAt(expiresAt)
        .sign(accessKey);
  }

  /**
   * A refresh token of family {@code sid}, named by {@code jti} and {@code generation} (claim
   * {@code gen}, signed like the rest: the session store trusts it to tell spent tokens).
   */
  public String issueRefresh(
      String subject, String sid, String jti, long generation, Instant expiresAt) {
    return issueRefresh(subject, sid, jti, generation, expiresAt, null);
  }

  /** As above, with the user's credential stamp as claim {@code cred} unless null. */
  public String issueRefresh(
      String subject,
      String sid,
      String jti,
      long generation,
      Instant expiresAt,
      String credential) {
    return issueRefresh(subject, sid, jti, generation, expiresAt, credential, null);
  }

  /** As above, bound to the DPoP key with thumbprint {@code jkt} ({@code cnf.jkt}) unless null. */
  public String issueRefresh(
      String subject,
      String sid,
      String jti,
      long generation,
      Instant expiresAt,
      String credential,
      String jkt) {
    if (generation < 0) throw new IllegalArgumentException("generation < 0");
    var jwt =
        JWT.create()
            .withHeader(Map.of("typ", REFRESH_TYPE))
            .withIssuer(ISSUER)
            .withAudience(REFRESH_AUDIENCE)
            .withSubject(subject)
            .withClaim("sid", sid)
            .withClaim(GENERATION, generation);
    if (credential != null) jwt.withClaim(CREDENTIAL, credential);
    if (jkt != null) jwt.withClaim(CONFIRMATION, Map.of("jkt", jkt));
    return jwt.withJWTId(jti)
        .withIssuedAt(clock.instant())
        .withExpiresAt(expiresAt)
        .sign(refreshKey);
  }

  public AccessClaims verifyAccess(String token) throws InvalidTokenException {
    return accessClaims(accessVerifier, token);
  }

  private static AccessClaims accessClaims(JWTVerifier verifier, String token)
      throws InvalidTokenException {
    var jwt = verify(verifier, ACCESS_TYPE, token);
    var username = jwt.getClaim("name").asString();
    if (username == null) throw new InvalidTokenException("The access token is invalid.", false);
    return new AccessClaims(jwt.getSubject(), username, sid(jwt), jwt.getId(), jkt(jwt));
  }

  /**
   * As {@link #verifyAccess}, but an expired token is accepted too: the signature, kind, issuer and
   * audience must still be right. Only for a logout, which must end the session of a token that
   * expired before the user logged out.
   */
  public AccessClaims verifyAccessEvenExpired(String token) throws InvalidTokenException {
    return accessClaims(expiredAccessVerifier, token);
  }

  public RefreshClaims verifyRefresh(String token) throws InvalidTokenException {
    var jwt = verify(refreshVerifier, REFRESH_TYPE, token);
    return new RefreshClaims(
        jwt.getSubject(),
        sid(jwt),
        jwt.getId(),
        generation(jwt),
        jwt.getExpiresAtAsInstant(),
        jwt.getClaim(CREDENTIAL).asString(),
        jkt(jwt));
  }

  /** {@code cnf.jkt}, or null when the token is not bound; a malformed {@code cnf} is invalid. */
  private static String jkt(DecodedJWT jwt) throws InvalidTokenException {
    var cnf = jwt.getClaim(CONFIRMATION);
    if (cnf.isMissing()) return null;
    var map = cnf.asMap();
    if (map == null || !(map.get("jkt") instanceof String jkt) || jkt.isEmpty()) {
      throw new InvalidTokenException("The token is invalid.", false);
    }
    return jkt;
  }

  private static long generation(DecodedJWT jwt) throws InvalidTokenException {
    var claim = jwt.getClaim(GENERATION);
    if (claim.isMissing()) return SessionStore.UNKNOWN_GENERATION;
    var generation = claim.asLong();
    if (generation == null || generation < 0) {
      throw new InvalidTokenException("The token is invalid.", false);
    }
    return generation;
  }

  private static DecodedJWT verify(JWTVerifier verifier, String type, String token)
      throws InvalidTokenException {
    DecodedJWT jwt;
    try {
      jwt = verifier.verify(token);
    } catch (TokenExpiredException e) {
      throw new InvalidTokenException("The token expired.", true);
    } catch (JWTVerificationException | IllegalArgumentException e) {
      // never echo the token or the library's message, which may quote claims
      throw new InvalidTokenException("The token is invalid.", false);
    }
    // java-jwt's verifier ignores typ: check it here so one kind can never pass as the other.
    if (!type.equals(jwt.getType())) throw new InvalidTokenException("Wrong token type.", false);
    return jwt;
  }

  private static String sid(DecodedJWT jwt) throws InvalidTokenException {
    var sid = jwt.getClaim("sid").asString();
    if (sid == null || sid.isEmpty()) throw new InvalidTokenException("No session.", false);
    return sid;
  }
}
