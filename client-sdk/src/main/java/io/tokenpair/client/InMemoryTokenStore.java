package io.tokenpair.client;

/** A {@link TokenStore} that keeps the token in a volatile field. */
final class InMemoryTokenStore implements TokenStore {
  private volatile String accessToken;

  @Override
  public String loadAccessToken() {
    return accessToken;
  }

  @Override
  public void saveAccessToken(String accessToken) {
    this.accessToken = accessToken;
  }

  @Override
  public String toString() {
    return "TokenStore.inMemory()";
  }
}
