package io.tokenpair.client;

import org.jspecify.annotations.Nullable;

/**
 * An access token (or none) with what the hot path needs of it, computed once: its {@code
 * Authorization} header value and its times by the server's clock. Immutable; {@code toString()}
 * hides the token.
 */
final class TokenState {
  static final TokenState NONE = new TokenState(null, Jwt.UNKNOWN, Jwt.UNKNOWN, false, null);

  /** No token in the store at start: a refresh credential may still be there. */
  static final TokenState NONE_STORED = new TokenState(null, Jwt.UNKNOWN, Jwt.UNKNOWN, true, null);

  /** The token, or null when signed out. */
  final @Nullable String token;

  /** {@code "Bearer " + token}, or {@code "DPoP " + token} with a {@link #dpopKey}; or null. */
  final @Nullable String header;

  /**
   * The DPoP key the token is bound to, which signs a proof for each call that carries it; null for
   * a Bearer token.
   */
  final @Nullable DpopKey dpopKey;

  /**
   * Epoch millis of the JWT's {@code exp} by the server's clock, else of its answer's {@code
   * expires_in}, or {@link Jwt#UNKNOWN}.
   */
  final long expiresAtMillis;

  /**
   * Epoch millis by the server's clock when the token was issued: its {@code iat}, else when this
   * client received it; {@link Jwt#UNKNOWN} for a token read from a store without {@code iat}.
   */
  final long issuedAtMillis;

  /** Whether the token was read from a store rather than received by this process. */
  final boolean stored;

  private TokenState(
      @Nullable String token,
      long expiresAtMillis,
      long issuedAtMillis,
      boolean stored,
      @Nullable DpopKey dpopKey) {
    this.token = token;
    this.dpopKey = token != null ? dpopKey : null;
    this.header = token == null ? null : (dpopKey != null ? "DPoP " : "Bearer ") + token;
    this.expiresAtMillis = expiresAtMillis;
    this.issuedAtMillis = issuedAtMillis;
    this.stored = stored;
  }

  /** A token just received from the server, whose clock reads {@code serverNowMillis}. */
  static TokenState received(@Nullable String token, long serverNowMillis) {
    return received(token, serverNowMillis, TokenGrant.UNKNOWN_LIFETIME, null);
  }

  /**
   * A token just received, with the lifetime its answer gave ({@code expires_in}), which counts
   * when the token itself has no {@code exp}.
   */
  static TokenState received(
      @Nullable String token,
      long serverNowMillis,
      long expiresInMillis,
      @Nullable DpopKey dpopKey) {
    if (token == null) return NONE;
    Jwt jwt = Jwt.parse(token);
    if (jwt.expiresAtMillis == Jwt.UNKNOWN && expiresInMillis >= 0) {
      return new TokenState(
          token, serverNowMillis + expiresInMillis, serverNowMillis, false, dpopKey);
    }
    return new TokenState(
        token,
        jwt.expiresAtMillis,
        jwt.issuedAtMillis != Jwt.UNKNOWN ? jwt.issuedAtMillis : serverNowMillis,
        false,
        dpopKey);
  }

  /**
   * A token read from a store: when it arrived is unknown unless it says so itself. One that cannot
   * be sent (written by an older version, or damaged) counts as none, so the session refreshes. Its
   * type was not stored: a JWT is DPoP-bound to the session's key only when it names a key ({@code
   * cnf.jkt}), so a Bearer JWT stays Bearer; an opaque token is taken as bound when the session has
   * a key.
   */
  static TokenState loaded(@Nullable String token, @Nullable DpopKey dpopKey) {
    if (token == null || !isSendable(token)) return NONE_STORED;
    Jwt jwt = Jwt.parse(token);
    DpopKey key = jwt == Jwt.OPAQUE || jwt.keyBound ? dpopKey : null;
    return new TokenState(token, jwt.expiresAtMillis, jwt.issuedAtMillis, true, key);
  }

  /**
   * Returns true when {@code token} can be sent as {@code Authorization: Bearer <token>}: visible
   * ASCII without spaces (RFC 6749's {@code VSCHAR} but space). That is a superset of RFC 6750's
   * {@code b64token}, as real servers' tokens need (Salesforce's hold {@code !}), and exactly what
   * keeps the header one token that OkHttp accepts: it refuses control characters and non-ASCII
   * with an {@link IllegalArgumentException} on the calling thread, an enqueued call's included.
   */
  static boolean isSendable(String token) {
    if (token.isEmpty()) return false;
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c <= ' ' || c >= 0x7f) return false;
    }
    return true;
  }

  /**
   * Returns {@code token} if it {@linkplain #isSendable can be sent}.
   *
   * @throws IllegalArgumentException naming {@code name}, never the token, if it cannot.
   */
  static String requireSendable(String token, String name) {
    if (!isSendable(token)) {
      throw new IllegalArgumentException(
          name
              + " cannot be sent in an Authorization header: it must be visible ASCII, without"
              + " spaces or control characters.");
    }
    return token;
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
