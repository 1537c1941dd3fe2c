package io.tokenpair.client;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An access token (or none) with what the hot path needs of it, computed once: its {@code
 * Authorization} header value, the tag of its first send, and its times by the server's clock.
 * Immutable; {@code toString()} hides the token.
 */
final class TokenState {
  static final TokenState NONE = new TokenState(null, Jwt.OPAQUE, Jwt.UNKNOWN);

  /** The token, or null when signed out. */
  final String token;

  /** {@code "Bearer " + token}, or null. */
  final String header;

  /** The tag of a request's first send with this token. */
  final AuthTag tag;

  /** Epoch millis of the JWT's {@code exp} by the server's clock, or {@link Jwt#UNKNOWN}. */
  final long expiresAtMillis;

  /**
   * Epoch millis by the server's clock when the token was issued: its {@code iat}, else when this
   * client received it; {@link Jwt#UNKNOWN} for a token read from a store without {@code iat}.
   */
  final long issuedAtMillis;

  private TokenState(String token, Jwt jwt, long issuedAtMillis) {
    this.token = token;
    this.header = token != null ? "Bearer " + token : null;
    this.tag = new AuthTag(token, false);
    this.expiresAtMillis = jwt.expiresAtMillis;
    this.issuedAtMillis = issuedAtMillis;
  }

  /** A token just received from the server, whose clock reads {@code serverNowMillis}. */
  static TokenState received(String token, long serverNowMillis, ObjectMapper mapper) {
    if (token == null) return NONE;
    Jwt jwt = Jwt.parse(token, mapper);
    return new TokenState(
        token, jwt, jwt.issuedAtMillis != Jwt.UNKNOWN ? jwt.issuedAtMillis : serverNowMillis);
  }

  /** A token read from a store: when it arrived is unknown unless it says so itself. */
  static TokenState loaded(String token, ObjectMapper mapper) {
    if (token == null) return NONE;
    Jwt jwt = Jwt.parse(token, mapper);
    return new TokenState(token, jwt, jwt.issuedAtMillis);
  }

  /**
   * Returns true when this token should be refreshed before use: it expires within {@code
   * aheadMillis}, or within half its lifetime when that is shorter, so that a server whose tokens
   * live less than the margin does not cause a refresh on every call. An expired token is due. A
   * token that was already expired when it arrived, by the best estimate of the server's clock, is
   * never due: the clocks disagree in a way nobody measured, and only the server's 401 is reliable.
   *
   * @param serverNowMillis the estimate of the server's clock now.
   */
  boolean expiresSoon(long serverNowMillis, long aheadMillis) {
    if (token == null || expiresAtMillis == Jwt.UNKNOWN || aheadMillis <= 0) return false;
    long margin = aheadMillis;
    if (issuedAtMillis != Jwt.UNKNOWN) {
      long lifetime = expiresAtMillis - issuedAtMillis;
      if (lifetime <= 0) return false;
      margin = Math.min(aheadMillis, lifetime / 2);
    }
    return expiresAtMillis - serverNowMillis <= margin;
  }

  @Override
  public String toString() {
    return token == null ? "TokenState{none}" : "TokenState{token=██}";
  }
}
