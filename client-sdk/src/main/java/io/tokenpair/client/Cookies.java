package io.tokenpair.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import okhttp3.Cookie;
import okhttp3.HttpUrl;

/** RFC 6265's storage rules, for {@link SessionCookieJar}. Stateless. */
final class Cookies {
  /** Orders cookies with longer paths first, as RFC 6265 section 5.4 asks of the Cookie header. */
  static final Comparator<Cookie> LONGER_PATH_FIRST =
      (a, b) -> Integer.compare(b.path().length(), a.path().length());

  private Cookies() {}

  /** The cookies of one response, and whether it came from a secure origin (https). Immutable. */
  static final class Received {
    final List<Cookie> cookies;
    final boolean secureOrigin;

    Received(HttpUrl url, List<Cookie> cookies) {
      this.cookies = Collections.unmodifiableList(new ArrayList<>(cookies));
      this.secureOrigin = url.isHttps();
    }
  }

  /** As {@link #merge(List, List)}, for one response. */
  static List<Cookie> merge(List<Cookie> current, Received received) {
    return merge(current, Collections.singletonList(received));
  }

  /**
   * Applies the responses in {@code received}, oldest first, to {@code current}. RFC 6265 section
   * 5.3, steps 11 and 12: replace by name, domain and path; an expired cookie only deletes (by
   * being dropped from the live set). RFC 6265bis section 5.7: a response from a non-secure origin
   * (cleartext http) may neither set a {@code Secure} cookie nor set, replace or delete a cookie
   * that {@linkplain #shadowsSecure shadows} a {@code Secure} one; such cookies are ignored.
   */
  static List<Cookie> merge(List<Cookie> current, List<Received> received) {
    List<Cookie> next = new ArrayList<>(current);
    for (Received response : received) {
      for (Cookie cookie : response.cookies) {
        if (!response.secureOrigin && (cookie.secure() || shadowsSecure(next, cookie))) continue;
        for (Iterator<Cookie> i = next.iterator(); i.hasNext(); ) {
          Cookie old = i.next();
          if (old.name().equals(cookie.name())
              && old.domain().equals(cookie.domain())
              && old.path().equals(cookie.path())) {
            i.remove();
          }
        }
        next.add(cookie);
      }
    }
    return next;
  }

  /**
   * RFC 6265bis section 5.7: whether {@code cookies} holds a {@code Secure} cookie of the same name
   * whose domain domain-matches the new cookie's, or the reverse, and whose path the new cookie's
   * path path-matches.
   */
  private static boolean shadowsSecure(List<Cookie> cookies, Cookie cookie) {
    for (Cookie old : cookies) {
      if (old.secure()
          && old.name().equals(cookie.name())
          && (domainMatches(old.domain(), cookie.domain())
              || domainMatches(cookie.domain(), old.domain()))
          && pathMatches(cookie.path(), old.path())) {
        return true;
      }
    }
    return false;
  }

  /** RFC 6265 section 5.1.3, for canonical domains. */
  private static boolean domainMatches(String host, String domain) {
    return host.equals(domain)
        || (host.endsWith(domain) && host.charAt(host.length() - domain.length() - 1) == '.');
  }

  /** RFC 6265 section 5.1.4. */
  private static boolean pathMatches(String path, String cookiePath) {
    return path.equals(cookiePath)
        || (path.startsWith(cookiePath)
            && (cookiePath.endsWith("/") || path.charAt(cookiePath.length()) == '/'));
  }

  /**
   * The cookies of {@code cookies} to send to {@code url} at {@code nowMillis}: live and matching,
   * longer paths first.
   */
  static List<Cookie> matching(List<Cookie> cookies, HttpUrl url, long nowMillis) {
    List<Cookie> result = null;
    for (Cookie cookie : cookies) {
      if (cookie.expiresAt() > nowMillis && cookie.matches(url)) {
        if (result == null) result = new ArrayList<>();
        result.add(cookie);
      }
    }
    if (result == null) return Collections.emptyList();
    Collections.sort(result, LONGER_PATH_FIRST);
    return result;
  }

  /** The cookies of {@code next} that have not expired at {@code nowMillis}, unmodifiable. */
  static List<Cookie> live(List<Cookie> next, long nowMillis) {
    List<Cookie> live = new ArrayList<>(next.size());
    for (Cookie cookie : next) {
      if (cookie.expiresAt() > nowMillis) live.add(cookie);
    }
    return Collections.unmodifiableList(live);
  }
}
