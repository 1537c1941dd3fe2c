package io.tokenpair.client.android;

import io.tokenpair.client.CookieStore;
import io.tokenpair.client.TokenStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import okhttp3.Cookie;
import okhttp3.HttpUrl;

/**
 * The Android example of docs/android.md: the token pair in {@code EncryptedSharedPreferences},
 * through the SDK's public interfaces only. This copy compiles against {@link Preferences}, a
 * mirror of the part of {@code android.content.SharedPreferences} it uses, because this build has
 * no Android SDK; in an app, delete {@code Preferences} and use {@code SharedPreferences}.
 *
 * <p>Cookies are kept in their {@code Set-Cookie} form ({@link Cookie#toString()}), one per line
 * with the domain they belong to, and parsed back with {@link Cookie#parse}. Session cookies (no
 * expiry) are kept too, and come back as session cookies: a refresh cookie set without {@code
 * Max-Age} then survives the process, which Android ends whenever it likes. Writes use {@code
 * commit()}, not {@code apply()}: the SDK releases a refreshed access token only after the rotated
 * refresh cookie is durable.
 */
final class PreferencesSessionStore implements TokenStore, CookieStore {
  private static final String TOKEN = "access_token";
  private static final String REFRESH_TOKEN = "refresh_token";
  private static final String COOKIES = "cookies";

  private final Preferences preferences;

  PreferencesSessionStore(Preferences preferences) {
    this.preferences = preferences;
  }

  @Override
  public String loadAccessToken() {
    return preferences.getString(TOKEN, null);
  }

  @Override
  public void saveAccessToken(String accessToken) throws IOException {
    put(TOKEN, accessToken);
  }

  /** The refresh token of a body-token protocol such as {@code RefreshProtocol.oauth2}. */
  @Override
  public String loadRefreshToken() {
    return preferences.getString(REFRESH_TOKEN, null);
  }

  @Override
  public void saveRefreshToken(String refreshToken) throws IOException {
    put(REFRESH_TOKEN, refreshToken);
  }

  /** Says so: the SDK asks, rather than looking for the two methods above by name. */
  @Override
  public boolean keepsRefreshTokens() {
    return true;
  }

  /** Writes {@code value} (null removes it), synchronously. */
  private void put(String key, String value) throws IOException {
    Preferences.Editor editor = preferences.edit();
    if (value != null) {
      editor.putString(key, value);
    } else {
      editor.remove(key);
    }
    if (!editor.commit()) throw new IOException("Could not write the " + key + ".");
  }

  @Override
  public List<Cookie> loadCookies() throws IOException {
    String stored = preferences.getString(COOKIES, null);
    if (stored == null || stored.isEmpty()) return Collections.emptyList();
    List<Cookie> cookies = new ArrayList<>();
    for (String line : stored.split("\n")) {
      int tab = line.indexOf('\t');
      HttpUrl url = tab > 0 ? HttpUrl.parse("https://" + line.substring(0, tab) + "/") : null;
      Cookie cookie = url != null ? Cookie.parse(url, line.substring(tab + 1)) : null;
      if (cookie == null) throw new IOException("A stored cookie is unreadable.");
      cookies.add(cookie);
    }
    return cookies;
  }

  @Override
  public void saveCookies(List<Cookie> cookies) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (Cookie cookie : cookies) {
      if (lines.length() > 0) lines.append('\n');
      lines.append(cookie.domain()).append('\t').append(cookie);
    }
    if (!preferences.edit().putString(COOKIES, lines.toString()).commit()) {
      throw new IOException("Could not write the cookies.");
    }
  }

  /**
   * The subset of {@code android.content.SharedPreferences} used above, with the same signatures.
   */
  interface Preferences {
    String getString(String key, String defValue);

    Editor edit();

    /** The subset of {@code SharedPreferences.Editor} used above. */
    interface Editor {
      Editor putString(String key, String value);

      Editor remove(String key);

      boolean commit();
    }
  }
}
