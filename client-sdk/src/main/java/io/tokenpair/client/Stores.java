package io.tokenpair.client;

import java.io.Closeable;
import java.io.IOException;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Cookie;
import org.jspecify.annotations.Nullable;

/**
 * The app's stores behind one guard, and the one place that decides whether processes share the
 * session: only a store given to {@link TokenPairAuth.Builder#sessionStore} is locked and re-read.
 * Every call into the app's code goes through here, so an unchecked exception from a store becomes
 * an {@link IOException} (never one that escapes onto OkHttp's or the refresher's threads) and a
 * store that returns null reads as empty.
 *
 * <p>Thread-safe if the app's stores are, which their contracts require.
 */
final class Stores {
  static final Closeable NO_LOCK = () -> {};

  private final TokenStore tokens;
  private final CookieStore cookies;

  /** The store that processes share, or null when the session is this process's alone. */
  private final @Nullable SessionStore shared;

  /** The longest wait for the shared store's lock: the refresh timeout. */
  private final long lockTimeoutMillis;

  Stores(
      TokenStore tokens,
      CookieStore cookies,
      @Nullable SessionStore shared,
      long lockTimeoutMillis) {
    this.tokens = tokens;
    this.cookies = cookies;
    this.shared = shared;
    this.lockTimeoutMillis = lockTimeoutMillis;
  }

  boolean isShared() {
    return shared != null;
  }

  /**
   * Takes the cross-process lock of a shared store, waiting at most the refresh timeout; a no-op
   * handle otherwise. Closing the handle is guarded too.
   */
  Closeable lock() throws IOException {
    if (shared == null) return NO_LOCK;
    Closeable handle;
    try {
      handle = shared.lock(lockTimeoutMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      throw failure("lock the session store", e);
    }
    if (handle == null) throw new IOException("SessionStore.lock() returned null.");
    return () -> {
      try {
        handle.close();
      } catch (RuntimeException e) {
        throw failure("unlock the session store", e);
      }
    };
  }

  /** As {@link #lock()}; a failure is also a storage error, unless an interrupt. */
  Closeable lock(Events events) throws IOException {
    try {
      return lock();
    } catch (IOException e) {
      if (!(e instanceof java.io.InterruptedIOException)) events.storageError(e);
      throw e;
    }
  }

  @Nullable String loadAccessToken() throws IOException {
    try {
      return tokens.loadAccessToken();
    } catch (RuntimeException e) {
      throw failure("read the access token", e);
    }
  }

  void saveAccessToken(@Nullable String accessToken) throws IOException {
    try {
      tokens.saveAccessToken(accessToken);
    } catch (RuntimeException e) {
      throw failure("save the access token", e);
    }
  }

  @Nullable String loadRefreshToken() throws IOException {
    try {
      return tokens.loadRefreshToken();
    } catch (RuntimeException e) {
      throw failure("read the refresh token", e);
    }
  }

  void saveRefreshToken(@Nullable String refreshToken) throws IOException {
    try {
      tokens.saveRefreshToken(refreshToken);
    } catch (RuntimeException e) {
      throw failure("save the refresh token", e);
    }
  }

  /**
   * Returns true if the token store says it keeps refresh tokens ({@link
   * TokenStore#keepsRefreshTokens}).
   */
  boolean keepsRefreshTokens() {
    return tokens.keepsRefreshTokens();
  }

  @Nullable KeyPair loadDpopKey() throws IOException {
    try {
      return tokens.loadDpopKey();
    } catch (RuntimeException e) {
      throw failure("read the DPoP key", e);
    }
  }

  void saveDpopKey(@Nullable KeyPair keyPair) throws IOException {
    try {
      tokens.saveDpopKey(keyPair);
    } catch (RuntimeException e) {
      throw failure("save the DPoP key", e);
    }
  }

  /** Returns true if the token store says it keeps DPoP keys ({@link TokenStore#keepsDpopKeys}). */
  boolean keepsDpopKeys() {
    return tokens.keepsDpopKeys();
  }

  List<Cookie> loadCookies() throws IOException {
    try {
      return cookies.loadCookies();
    } catch (RuntimeException e) {
      throw failure("read the cookies", e);
    }
  }

  void saveCookies(List<Cookie> list) throws IOException {
    try {
      cookies.saveCookies(list);
    } catch (RuntimeException e) {
      throw failure("save the cookies", e);
    }
  }

  /** The message names the operation and the exception's type, never its message. */
  private static IOException failure(String operation, RuntimeException e) {
    return new IOException("Failed to " + operation + ": " + e.getClass().getName() + ".", e);
  }

  @Override
  public String toString() {
    return "Stores{shared=" + isShared() + "}";
  }
}
