package io.tokenpair.client;

import java.util.Collections;
import java.util.List;
import okhttp3.Cookie;

/** A {@link CookieStore} that keeps the list in a volatile field. */
final class InMemoryCookieStore implements CookieStore {
  private volatile List<Cookie> cookies = Collections.emptyList();

  @Override
  public List<Cookie> loadCookies() {
    return cookies;
  }

  @Override
  public void saveCookies(List<Cookie> cookies) {
    this.cookies = cookies;
  }

  @Override
  public String toString() {
    return "CookieStore.inMemory()";
  }
}
