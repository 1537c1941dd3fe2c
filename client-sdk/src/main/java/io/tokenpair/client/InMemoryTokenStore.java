package io.tokenpair.client;

import org.jspecify.annotations.Nullable;

/** A {@link TokenStore} that keeps the token in a volatile field. */
final class InMemoryTokenStore implements TokenStore {
  private volatile @Nullable String accessToken;
  private volatile @Nullable String refreshToken;

  @Override
  public @Nullable String loadAccessToken() {
    return accessToken;
  }

  @Override
  public void saveAccessToken(@Nullable String accessToken) {
    this.accessToken = accessToken;
  }

  @Override
  public @Nullable String loadRefreshToken() {
    return refreshToken;
  }

  @Override
  public void saveRefreshToken(@Nullable String refreshToken) {
    this.refreshToken = refreshToken;
  }

  @Override
  public boolean keepsRefreshTokens() {
    return true;
  }

  @Override
  public String toString() {
    return "TokenStore.inMemory()";
  }
}
