package io.tokenpair.demo;

import com.sun.net.httpserver.HttpExchange;
import java.time.Clock;

/**
 * Authenticates protected routes by their {@code Authorization: Bearer} access token, and answers
 * as RFC 6750 §3.1 says: no {@code error} when credentials are missing, {@code
 * error="invalid_token"} when they are invalid, expired or belong to a revoked session. This class
 * is thread-safe.
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

  BearerAuth(TokenService tokens, SessionStore sessions, Clock clock, int expiredStatus) {
    this.tokens = tokens;
    this.sessions = sessions;
    this.clock = clock;
    this.expiredStatus = expiredStatus;
  }

  Principal authenticate(HttpExchange ex) {
    var token = bearerToken(ex);
    if (token == null) {
      throw new ApiException(401, "missing_token", "An access token is required.")
          .header("WWW-Authenticate", REALM);
    }
    var claims = verify(token);
    var session = sessions.findActive(claims.sid(), clock.instant());
    if (session.isEmpty() || !session.get().subject().equals(claims.subject())) {
      throw invalid(401, "invalid_token", "The session has ended.");
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

  private TokenService.AccessClaims verify(String token) {
    try {
      return tokens.verifyAccess(token);
    } catch (TokenService.InvalidTokenException e) {
      if (e.expired()) throw invalid(expiredStatus, "token_expired", "The access token expired.");
      throw invalid(401, "invalid_token", "The access token is invalid.");
    }
  }

  private static ApiException invalid(int status, String error, String message) {
    return new ApiException(status, error, message).header("WWW-Authenticate", INVALID);
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
    if (value.length() == 6) throw invalid(401, "invalid_token", "The access token is invalid.");
    if (value.charAt(6) != ' ') return null;
    var token = value.substring(7).strip();
    if (token.isEmpty()) throw invalid(401, "invalid_token", "The access token is invalid.");
    return token;
  }
}
