package io.tokenpair.client;

import java.security.KeyPair;
import org.jspecify.annotations.Nullable;

/** A {@link TokenStore} that keeps the token in a volatile field. */
final class InMemoryTokenStore implements TokenStore {
  private volatile @Nullable String accessToken;
  private volatile @Nullable String refreshToken;
  private volatile @Nullable KeyPair dpopKey;

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
  public @Nullable KeyPair loadDpopKey() {
    return dpopKey;
  }

  @Override
  public void saveDpopKey(@Nullable KeyPair keyPair) {
    this.dpopKey = keyPair;
  }

  @Override
  public boolean keepsDpopKeys() {
    return true;
  }

  @Override
  public String toString() {
    return "TokenStore.inMemory()";
  }
}
