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

  /**
   * RFC 6265 section 5.3, steps 11 and 12: replace by name, domain and path; an expired cookie only
   * deletes (by being dropped from the live set).
   */
  static List<Cookie> merge(List<Cookie> current, List<Cookie> received) {
    List<Cookie> next = new ArrayList<>(current);
    for (Cookie cookie : received) {
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
    return next;
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
