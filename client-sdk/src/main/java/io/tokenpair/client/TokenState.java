package io.tokenpair.client;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An access token (or none) with its expiry, decoded once. Immutable; {@code toString()} hides the
 * token.
 */
final class TokenState {
  static final TokenState NONE = new TokenState(null, Jwt.UNKNOWN_EXPIRY, 0L);

  /** The token, or null when signed out. */
  final String token;

  /** Epoch millis of the JWT's {@code exp}, or {@link Jwt#UNKNOWN_EXPIRY}. */
  final long expiresAtMillis;

  /** Epoch millis when this client obtained the token. */
  final long obtainedAtMillis;

  private TokenState(String token, long expiresAtMillis, long obtainedAtMillis) {
    this.token = token;
    this.expiresAtMillis = expiresAtMillis;
    this.obtainedAtMillis = obtainedAtMillis;
  }

  static TokenState of(String token, long nowMillis, ObjectMapper mapper) {
    if (token == null) return NONE;
    return new TokenState(token, Jwt.expiresAtMillis(token, mapper), nowMillis);
  }

  /**
   * Returns true when this token should be refreshed before use: it expires within {@code
   * aheadMillis}, or within half its lifetime when that is shorter, so that a server whose tokens
   * live less than the margin does not cause a refresh on every call. A token that was already
   * expired by this client's clock when it arrived is never refreshed ahead: the clocks disagree,
   * and only the server's 401 is reliable.
   */
  boolean expiresSoon(long nowMillis, long aheadMillis) {
    if (token == null || expiresAtMillis == Jwt.UNKNOWN_EXPIRY || aheadMillis <= 0) return false;
    long lifetime = expiresAtMillis - obtainedAtMillis;
    // Expired on arrival: our clock is ahead of the server's. Refreshing would not help; let a 401
    // decide.
    if (lifetime <= 0) return false;
    return expiresAtMillis - nowMillis <= Math.min(aheadMillis, lifetime / 2);
  }

  @Override
  public String toString() {
    return token == null ? "TokenState{none}" : "TokenState{token=██}";
  }
}
