package io.tokenpair.client;

import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * What a login or refresh answer grants: a new access token, optionally a new refresh token (a
 * rotation, which replaces the stored one), and optionally the access token's lifetime, which
 * refresh-ahead uses for tokens that are not JWTs. {@link RefreshProtocol}s return it.
 *
 * <p>Immutable and thread-safe. {@code toString()} hides the tokens.
 */
public final class TokenGrant {
  /** The value of {@link #expiresInMillis()} when the answer did not say. */
  public static final long UNKNOWN_LIFETIME = -1;

  private final String accessToken;
  private final @Nullable String refreshToken;
  private final long expiresInMillis;

  /**
   * The answer's {@code token_type} when the protocol reads one: {@link #DPOP} binds the access
   * token to the session's DPoP key, {@code "Bearer"} does not; null when the answer does not say.
   */
  final @Nullable String tokenType;

  static final String DPOP = "DPoP";

  private TokenGrant(
      String accessToken,
      @Nullable String refreshToken,
      long expiresInMillis,
      @Nullable String tokenType) {
    this.accessToken = accessToken;
    this.refreshToken = refreshToken;
    this.expiresInMillis = expiresInMillis;
    this.tokenType = tokenType;
  }

  /** This grant, of {@code token_type} {@code tokenType} ({@code "Bearer"} or {@link #DPOP}). */
  TokenGrant withTokenType(String tokenType) {
    return new TokenGrant(accessToken, refreshToken, expiresInMillis, tokenType);
  }

  /** Whether the access token goes as {@code Bearer} even when DPoP is on. */
  boolean isBearer() {
    return "Bearer".equals(tokenType);
  }

  /**
   * Returns a grant of an access token alone; the stored refresh credential stays.
   *
   * @param accessToken the new access token, not empty.
   * @return the grant.
   * @throws IllegalArgumentException if {@code accessToken} is empty.
   */
  public static TokenGrant of(String accessToken) {
    return of(accessToken, null, UNKNOWN_LIFETIME, TimeUnit.MILLISECONDS);
  }

  /**
   * Returns a grant.
   *
   * @param accessToken the new access token, not empty.
   * @param refreshToken the new refresh token, which replaces the stored one, or null to keep it.
   * @param expiresIn the access token's lifetime from now, or {@link #UNKNOWN_LIFETIME}.
   * @param unit the unit of {@code expiresIn}.
   * @return the grant.
   * @throws IllegalArgumentException if a token is empty, or {@code expiresIn} is negative and not
   *     {@link #UNKNOWN_LIFETIME}.
   */
  public static TokenGrant of(
      String accessToken, @Nullable String refreshToken, long expiresIn, TimeUnit unit) {
    if (accessToken == null) throw new NullPointerException("accessToken == null");
    if (unit == null) throw new NullPointerException("unit == null");
    if (accessToken.isEmpty()) throw new IllegalArgumentException("accessToken is empty");
    if (refreshToken != null && refreshToken.isEmpty()) {
      throw new IllegalArgumentException("refreshToken is empty");
    }
    if (expiresIn < 0 && expiresIn != UNKNOWN_LIFETIME) {
      throw new IllegalArgumentException("expiresIn < 0");
    }
    return new TokenGrant(
        accessToken,
        refreshToken,
        expiresIn == UNKNOWN_LIFETIME ? -1 : unit.toMillis(expiresIn),
        null);
  }

  /**
   * Returns the new access token.
   *
   * @return the token, never null.
   */
  public String accessToken() {
    return accessToken;
  }

  /**
   * Returns the new refresh token, or null when the answer kept the old one.
   *
   * @return the token, or null.
   */
  public @Nullable String refreshToken() {
    return refreshToken;
  }

  /**
   * Returns the access token's lifetime in milliseconds, or {@link #UNKNOWN_LIFETIME}.
   *
   * @return the lifetime.
   */
  public long expiresInMillis() {
    return expiresInMillis;
  }

  @Override
  public String toString() {
    return "TokenGrant{accessToken=██, refreshToken="
        + (refreshToken != null ? "██" : "none")
        + ", expiresInMillis="
        + expiresInMillis
        + "}";
  }
}
