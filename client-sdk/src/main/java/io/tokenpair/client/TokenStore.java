package io.tokenpair.client;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Where {@link TokenPairAuth} keeps the current access token.
 *
 * <p>The SDK reads the store once, the first time it needs the token, and keeps a copy in memory;
 * afterwards it calls {@link #saveAccessToken} on every change (login, refresh, logout, session
 * expiry) before it hands the new token to any caller. A store that survives restarts lets an app
 * resume without a refresh; the default, {@link #inMemory()}, forgets the token when the process
 * ends, which is safe because the refresh cookie can mint a new one.
 *
 * <p>Implementations must be safe for concurrent use. {@code saveAccessToken} is called with a lock
 * held, so it should be quick local storage (memory, a file, Android preferences), never a network
 * call. An unchecked exception from any method is treated as an {@link IOException} of the same
 * operation and reported to {@link SessionListener#onStorageError}.
 */
public interface TokenStore {
  /**
   * Returns the stored access token, or null when there is none. An {@link IOException} (for
   * example a corrupt file) means "signed out": the SDK continues without a token and reports the
   * error to {@link SessionListener#onStorageError}.
   *
   * @return the token, or null.
   * @throws IOException if the store cannot be read.
   */
  @Nullable String loadAccessToken() throws IOException;

  /**
   * Replaces the stored access token.
   *
   * @param accessToken the new token, or null to clear it.
   * @throws IOException if the token could not be stored.
   */
  void saveAccessToken(@Nullable String accessToken) throws IOException;

  /**
   * Returns the stored refresh token, or null when there is none. Used with protocols whose refresh
   * token comes in the response body, such as {@link RefreshProtocol#oauth2}; the cookie protocol
   * keeps its refresh token in the {@link CookieStore}. The default returns null, for stores
   * written before refresh tokens were kept here.
   *
   * @return the refresh token, or null.
   * @throws IOException if the store cannot be read.
   */
  default @Nullable String loadRefreshToken() throws IOException {
    return null;
  }

  /**
   * Replaces the stored refresh token. The SDK calls it, before it releases a new access token,
   * whenever a body-token protocol rotates the refresh token, and with null when the session ends.
   * The default throws {@link UnsupportedOperationException}; {@link TokenPairAuth.Builder#build()}
   * refuses, with such a protocol, a store whose {@link #keepsRefreshTokens()} is false, so that a
   * rotated refresh token is never kept in memory alone.
   *
   * @param refreshToken the new refresh token, or null to clear it.
   * @throws IOException if the token could not be stored.
   */
  default void saveRefreshToken(@Nullable String refreshToken) throws IOException {
    throw new UnsupportedOperationException(
        getClass().getName() + " does not keep refresh tokens.");
  }

  /**
   * Returns true if this store keeps refresh tokens: it implements {@link #loadRefreshToken} and
   * {@link #saveRefreshToken} so that a saved token is loaded back. {@link
   * TokenPairAuth.Builder#build()} refuses a store that returns false with a protocol whose refresh
   * token comes in the answers' bodies, such as {@link RefreshProtocol#oauth2}. The default returns
   * false; {@link #inMemory()} and {@link FileSessionStore} return true. A store of your own that
   * overrides both methods must override this one too: the SDK asks the store, never looks for its
   * methods by name (which a shrinker such as R8 renames).
   *
   * @return whether refresh tokens are kept; the same answer every time.
   */
  default boolean keepsRefreshTokens() {
    return false;
  }

  /**
   * Returns a new store that keeps the token in memory only.
   *
   * @return a new, empty store.
   */
  static TokenStore inMemory() {
    return new InMemoryTokenStore();
  }
}
