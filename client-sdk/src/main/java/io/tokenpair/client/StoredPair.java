package io.tokenpair.client;

import java.io.IOException;
import java.security.KeyPair;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * The session's pair as stored: the access token in the token store, and the refresh credential,
 * with the one place that knows which kind that is: a refresh token from the answers' bodies, also
 * in the token store ({@link RefreshProtocol#oauth2} and the app's own protocols), or the refresh
 * cookie in the SDK's jar ({@link RefreshProtocol#cookie()}). Store failures are reported to the
 * caller's {@link Events}.
 *
 * <p>With DPoP, the session's key is part of the pair: the app's own key, or one made at each
 * sign-in that is stored with the refresh token (before it) and deleted with it.
 *
 * <p>Not thread-safe on its own: {@link Session} calls it with its monitor held, which guards
 * {@link #refreshToken}. The refresh token is kept in memory before it is written, so a store
 * failure never loses a credential the server has just rotated.
 */
final class StoredPair {
  private final boolean bodyToken;
  private final Stores stores;
  private final SessionCookieJar cookieJar;
  private final String cookieName;
  private final HttpUrl endpoint;

  /** The proof maker, or null when DPoP is off. */
  private final @Nullable DpopProofs dpop;

  /** Whether the store could not be read at the last load. Guarded by the session. */
  private boolean unreadable;

  /** The body refresh token, or null; always null for the cookie. Guarded by the session. */
  private @Nullable String refreshToken;

  /** Whether {@link #refreshToken} is newer than the store's copy (its write failed). */
  private boolean unsaved;

  /** The session's DPoP key, or null (DPoP off, signed out, or lost). Guarded by the session. */
  private @Nullable DpopKey dpopKey;

  /** Why the stored session's DPoP key could not be loaded at the last read, or null. */
  private DpopKey.@Nullable Unusable keyLost;

  StoredPair(
      boolean bodyToken,
      Stores stores,
      SessionCookieJar cookieJar,
      String cookieName,
      HttpUrl endpoint,
      @Nullable DpopProofs dpop) {
    this.bodyToken = bodyToken;
    this.stores = stores;
    this.cookieJar = cookieJar;
    this.cookieName = cookieName;
    this.endpoint = endpoint;
    this.dpop = dpop;
  }

  boolean isBodyToken() {
    return bodyToken;
  }

  /**
   * Reads the stored access token, and the body refresh token (the cookie is read by the jar on
   * first use). An unreadable store means signed out: null, and a storage error.
   */
  @Nullable String load(Events events) {
    unreadable = false;
    try {
      String accessToken = stores.loadAccessToken();
      load();
      if (keyLost == null && dpop != null && dpop.keysPerSession() && dpopKey == null) {
        if (accessToken != null || refreshToken != null) {
          keyLost = new DpopKey.Unusable("The session's DPoP key is missing from the store.", null);
        }
      }
      return accessToken;
    } catch (IOException e) {
      events.storageError(e);
      unreadable = true;
      return null;
    }
  }

  /** Whether the last {@link #load(Events)} found the store unreadable. */
  boolean unreadable() {
    return unreadable;
  }

  private void load() throws IOException {
    if (bodyToken) refreshToken = stores.loadRefreshToken();
    loadKey();
  }

  /** Reads the session's key; one that cannot be read is {@linkplain #keyLost() lost}. */
  private void loadKey() {
    keyLost = null;
    if (dpop == null || !dpop.keysPerSession()) {
      dpopKey = dpop != null ? dpop.appKey() : null;
      return;
    }
    try {
      KeyPair pair = stores.loadDpopKey();
      dpopKey = pair != null ? DpopKey.of(pair) : null;
    } catch (IOException | RuntimeException e) {
      dpopKey = null;
      keyLost =
          new DpopKey.Unusable(
              "The session's DPoP key cannot be loaded: " + e.getClass().getName() + ".", e);
    }
  }

  /**
   * Why the stored session cannot go on without its DPoP key (unreadable, or missing beside a
   * stored token), as of the last read; null if it can.
   */
  DpopKey.@Nullable Unusable keyLost() {
    return keyLost;
  }

  /** The session's DPoP key, or null. */
  @Nullable DpopKey dpopKey() {
    return dpopKey;
  }

  void saveAccessToken(@Nullable String accessToken, Events events) throws IOException {
    try {
      stores.saveAccessToken(accessToken);
    } catch (IOException e) {
      throw events.storage(e);
    }
  }

  /** With a shared store: forgets what this process knew, to read what another one stored. */
  void reload() throws IOException {
    cookieJar.reload();
    if (!unsaved) load(); // A rotation whose write failed stays: the store holds a spent one.
  }

  /** Returns true if there is a credential to refresh with. */
  boolean isPresent(Events events) {
    if (bodyToken) return refreshToken != null;
    return cookieJar.has(cookieName, endpoint, events);
  }

  /** The refresh token to present: the body token, or null for the cookie (the jar sends it). */
  @Nullable String presented() {
    return refreshToken;
  }

  /**
   * Keeps what an answer set: its cookies, and a body refresh token when it brings one ({@code
   * rotated} null keeps the old one).
   */
  void rotate(SessionCookieJar.@Nullable Staging staging, @Nullable String rotated, Events events)
      throws IOException {
    if (bodyToken && rotated != null) refreshToken = rotated; // Memory first, whatever fails.
    IOException failure = null;
    if (staging != null) {
      try {
        cookieJar.commit(staging, events);
      } catch (IOException e) {
        failure = events.storage(e);
      }
    }
    if (bodyToken && rotated != null) failure = attempt(() -> save(rotated, events), failure);
    if (failure != null) throw failure;
  }

  /** Runs {@code write}; returns the first of {@code failure} and its failure, the other added. */
  private static @Nullable IOException attempt(Write write, @Nullable IOException failure) {
    try {
      write.run();
      return failure;
    } catch (IOException e) {
      if (failure == null) return e;
      failure.addSuppressed(e);
      return failure;
    }
  }

  private interface Write {
    void run() throws IOException;
  }

  /**
   * A new owner's credential: its DPoP key first (a stored refresh token is never without it), then
   * its cookies, and its body refresh token even when that is none.
   */
  void replace(
      SessionCookieJar.@Nullable Staging staging,
      @Nullable String newToken,
      @Nullable DpopKey key,
      Events events)
      throws IOException {
    saveKey(key, events);
    rotate(staging, null, events);
    if (bodyToken) save(newToken, events);
  }

  /** Keeps {@code key} as the session's, in the store too when each session has its own. */
  private void saveKey(@Nullable DpopKey key, Events events) throws IOException {
    dpopKey = key;
    keyLost = null;
    if (dpop != null && dpop.keysPerSession()) writeKey(key, events);
  }

  /**
   * Forgets the session's key, and deletes a stored one whether or not DPoP is on now: a key an
   * earlier run stored with {@code dpop()} must not outlive the session once DPoP is off or the app
   * holds the key.
   */
  private void forgetKey(Events events) throws IOException {
    dpopKey = null;
    keyLost = null;
    if (stores.keepsDpopKeys()) writeKey(null, events);
  }

  private void writeKey(@Nullable DpopKey key, Events events) throws IOException {
    try {
      stores.saveDpopKey(key != null ? key.pair : null);
    } catch (IOException e) {
      throw events.storage(e);
    }
  }

  /**
   * Forgets the pair: after a rejected refresh, the access token, the credential the server refused
   * and the DPoP key; at logout ({@code allCookies}) every cookie too.
   */
  void forget(boolean allCookies, Events events) throws IOException {
    IOException failure = attempt(() -> saveAccessToken(null, events), null);
    if (bodyToken) failure = attempt(() -> save(null, events), failure);
    failure = attempt(() -> forgetKey(events), failure);
    failure =
        attempt(
            () -> {
              try {
                if (allCookies) {
                  cookieJar.clear();
                } else if (!bodyToken) {
                  cookieJar.remove(cookieName, endpoint, events);
                }
              } catch (IOException e) {
                throw events.storage(e);
              }
            },
            failure);
    if (failure != null) throw failure;
  }

  private void save(@Nullable String token, Events events) throws IOException {
    refreshToken = token;
    unsaved = true;
    try {
      stores.saveRefreshToken(token);
      unsaved = false;
    } catch (IOException e) {
      throw events.storage(e);
    }
  }

  @Override
  public String toString() {
    return bodyToken ? "StoredPair{body token}" : "StoredPair{cookie " + cookieName + "}";
  }
}
