package io.tokenpair.demo;

import com.sun.net.httpserver.HttpExchange;
import java.time.Clock;

/**
 * Authenticates protected routes by their {@code Authorization: Bearer} access token, and answers
 * as RFC 6750 §3.1 says: no {@code error} when credentials are missing, {@code
 * error="invalid_token"} when they are invalid, expired or belong to a revoked session.
 *
 * <p>A token bound to a DPoP key ({@code cnf.jkt}) is accepted only as {@code Authorization: DPoP
 * <token>} (with {@code --dpop optional|required}) with a valid proof of that key whose {@code ath}
 * is the token's hash (RFC 9449 §7); its refusals carry a {@code DPoP} challenge instead of the
 * Bearer one. Checks, in order: the header, the proof, the token's signature and kind, its binding,
 * its expiry, its session. This class is thread-safe.
 */
final class BearerAuth {
  static final String REALM = "Bearer realm=\"tokenpair\"";
  static final String INVALID = REALM + ", error=\"invalid_token\"";

  /** The authenticated caller. */
  record Principal(String subject, String username, String sid) {}

  private final TokenService tokens;
  private final SessionStore sessions;
  private final Clock clock;
  private final int expiredStatus;
  private final DpopVerifier dpop;

  BearerAuth(
      TokenService tokens,
      SessionStore sessions,
      Clock clock,
      int expiredStatus,
      DpopVerifier dpop) {
    this.tokens = tokens;
    this.sessions = sessions;
    this.clock = clock;
    this.expiredStatus = expiredStatus;
    this.dpop = dpop;
  }

  /** An access token as presented, and whether with the {@code DPoP} scheme. */
  private record Presented(String token, boolean dpop) {}

  Principal authenticate(HttpExchange ex) {
    var presented = presented(ex);
    if (presented == null) {
      throw new ApiException(401, "missing_token", "An access token is required.")
          .header("WWW-Authenticate", REALM);
    }
    var token = presented.token();
    var invalid = presented.dpop() ? DpopVerifier.challenge("invalid_token") : INVALID;
    var jkt = presented.dpop() ? dpop.resourceProof(ex, token) : null;
    TokenService.AccessClaims bound;
    try {
      bound = tokens.verifyAccessEvenExpired(token);
    } catch (TokenService.InvalidTokenException e) {
      throw invalid(401, "invalid_token", "The access token is invalid.", invalid);
    }
    if (presented.dpop() && bound.jkt() == null) {
      throw invalid(
          401, "invalid_token", "The access token is not DPoP-bound: send it as Bearer.", invalid);
    }
    if (presented.dpop() && !bound.jkt().equals(jkt)) {
      throw dpop.wrongKey(true, "The access token is bound to another key.");
    }
    if (!presented.dpop() && bound.jkt() != null) {
      throw invalid(
          401,
          "invalid_token",
          "The access token is DPoP-bound: send it with the DPoP scheme and a proof.",
          DpopVerifier.challenge("invalid_token"));
    }
    var claims = verify(token, invalid);
    var session = sessions.findActive(claims.sid(), clock.instant());
    if (session.isEmpty() || !session.get().subject().equals(claims.subject())) {
      throw invalid(401, "invalid_token", "The session has ended.", invalid);
    }
    return new Principal(claims.subject(), claims.username(), claims.sid());
  }

  /**
   * For a logout: the claims of a present bearer token whose signature and kind are right, expired
   * or not (a session must be able to end after its access token expired), or null when there is
   * none or it is bad.
   */
  TokenService.AccessClaims sessionToEnd(HttpExchange ex) {
    var token = bearerToken(ex);
    if (token == null) return null;
    try {
      return tokens.verifyAccessEvenExpired(token);
    } catch (TokenService.InvalidTokenException e) {
      return null;
    }
  }

  private TokenService.AccessClaims verify(String token, String challenge) {
    try {
      return tokens.verifyAccess(token);
    } catch (TokenService.InvalidTokenException e) {
      if (e.expired()) {
        throw invalid(expiredStatus, "token_expired", "The access token expired.", challenge);
      }
      throw invalid(401, "invalid_token", "The access token is invalid.", challenge);
    }
  }

  private static ApiException invalid(int status, String error, String message, String challenge) {
    return new ApiException(status, error, message).header("WWW-Authenticate", challenge);
  }

  /**
   * The token of a Bearer Authorization header or, with DPoP on, a DPoP one (schemes
   * case-insensitive), else null.
   */
  private Presented presented(HttpExchange ex) {
    var bearer = bearerToken(ex);
    if (bearer != null) return new Presented(bearer, false);
    if (!dpop.enabled()) return null;
    var value = ex.getRequestHeaders().getFirst("Authorization");
    if (value == null) return null;
    value = value.strip();
    if (value.length() < 4 || !value.regionMatches(true, 0, "DPoP", 0, 4)) return null;
    if (value.length() > 4 && value.charAt(4) != ' ') return null;
    var token = value.substring(4).strip();
    if (token.isEmpty()) {
      throw invalid(
          401,
          "invalid_token",
          "The access token is invalid.",
          DpopVerifier.challenge("invalid_token"));
    }
    return new Presented(token, true);
  }

  /** The token of a Bearer Authorization header (scheme case-insensitive), else null. */
  private static String bearerToken(HttpExchange ex) {
    var values = ex.getRequestHeaders().get("Authorization");
    if (values == null || values.isEmpty()) return null;
    if (values.size() > 1) {
      throw new ApiException(400, "invalid_request", "Send one Authorization header.");
    }
    var value = values.get(0).strip();
    if (value.length() < 6 || !value.regionMatches(true, 0, "Bearer", 0, 6)) return null;
    if (value.length() == 6) {
      throw invalid(401, "invalid_token", "The access token is invalid.", INVALID);
    }
    if (value.charAt(6) != ' ') return null;
    var token = value.substring(7).strip();
    if (token.isEmpty()) {
      throw invalid(401, "invalid_token", "The access token is invalid.", INVALID);
    }
    return token;
  }
}
