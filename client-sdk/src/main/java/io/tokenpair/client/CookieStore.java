package io.tokenpair.client;

import java.io.IOException;
import java.util.List;
import okhttp3.Cookie;

/**
 * Where {@link TokenPairAuth} keeps its cookies, above all the HttpOnly refresh cookie ({@code
 * rt}).
 *
 * <p>The SDK's cookie jar applies the RFC 6265 rules (domain and path matching, {@code Secure},
 * expiry, replacement, deletion by {@code Max-Age=0}) and uses the store only for persistence: it
 * {@linkplain #loadCookies loads} the cookies once, then {@linkplain #saveCookies saves} the
 * complete list after every change. A refresh stores the rotated refresh cookie through {@code
 * saveCookies} before the new access token is released to any caller, so a store that survives
 * restarts never loses a rotation that the app has acted on.
 *
 * <p>The list passed to {@code saveCookies} contains session cookies too (those with {@link
 * Cookie#persistent()} false). Keep them, and load them back as session cookies: many servers set
 * the refresh cookie without {@code Max-Age} or {@code Expires}, and the session lasts as long as
 * the store keeps it. A store given to {@link TokenPairAuth.Builder#sessionStore} must keep every
 * cookie, session cookies included, because the SDK re-reads it at every refresh, login and logout:
 * a session cookie it drops is gone at the next refresh, not at the end of the process. A plain
 * cookie store that drops them signs the app out at its next start instead. Cookie values are
 * secrets: never log them ({@link Cookie#toString()} prints the value).
 *
 * <p>Implementations must be safe for concurrent use. {@code saveCookies} is called with a lock
 * held, so it should be quick local storage, never a network call. An unchecked exception from any
 * method is treated as an {@link IOException} of the same operation and reported to {@link
 * SessionListener#onStorageError}.
 */
public interface CookieStore {
  /**
   * Returns every stored cookie. An {@link IOException} means "no cookies": the SDK continues
   * signed out and reports the error to {@link SessionListener#onStorageError}.
   *
   * @return the cookies, possibly with expired ones among them; never null.
   * @throws IOException if the store cannot be read.
   */
  List<Cookie> loadCookies() throws IOException;

  /**
   * Replaces the stored cookies.
   *
   * @param cookies the complete, immutable list, possibly empty, session cookies included.
   * @throws IOException if the cookies could not be stored. The SDK keeps them in memory and
   *     reports the error.
   */
  void saveCookies(List<Cookie> cookies) throws IOException;

  /**
   * Returns a new store that keeps cookies in memory only.
   *
   * @return a new, empty store.
   */
  static CookieStore inMemory() {
    return new InMemoryCookieStore();
  }
}
