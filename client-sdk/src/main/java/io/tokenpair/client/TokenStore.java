package io.tokenpair.client;

import java.io.IOException;
import java.security.KeyPair;
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
   * Returns the session's DPoP key pair ({@link TokenPairAuth.Builder#dpop()}), or null when there
   * is none. An {@link IOException} (a key that cannot be read back, such as after a backup restore
   * without it) ends a stored session once: the SDK reports it to {@link
   * SessionListener#onStorageError}, clears the session and calls {@link
   * SessionListener#onSessionExpired()}, since every proof made without the key would be refused.
   * The default returns null.
   *
   * @return the key pair, or null.
   * @throws IOException if the key cannot be read.
   */
  default @Nullable KeyPair loadDpopKey() throws IOException {
    return null;
  }

  /**
   * Replaces the session's DPoP key pair. With {@link TokenPairAuth.Builder#dpop()} the SDK calls
   * it at each sign-in with the session's new key (before the refresh token is saved), and with
   * null when the session ends (logout, a rejected refresh). Keep it exactly as durably as the
   * refresh token: a refresh token bound to a key is useless without it. The default throws {@link
   * UnsupportedOperationException}; {@link TokenPairAuth.Builder#build()} refuses {@code dpop()}
   * with a store whose {@link #keepsDpopKeys()} is false.
   *
   * @param keyPair the EC P-256 key pair, or null to delete it.
   * @throws IOException if the key could not be stored.
   */
  default void saveDpopKey(@Nullable KeyPair keyPair) throws IOException {
    throw new UnsupportedOperationException(getClass().getName() + " does not keep DPoP keys.");
  }

  /**
   * Returns true if this store keeps DPoP key pairs: it implements {@link #loadDpopKey} and {@link
   * #saveDpopKey} so that a saved key is loaded back. {@link TokenPairAuth.Builder#build()} refuses
   * {@link TokenPairAuth.Builder#dpop()} with a store that returns false. The default returns
   * false; {@link #inMemory()} and {@link FileSessionStore} return true. As with {@link
   * #keepsRefreshTokens()}, the SDK asks, never looks for the methods by name.
   *
   * @return whether DPoP keys are kept; the same answer every time.
   */
  default boolean keepsDpopKeys() {
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
