package io.tokenpair.client;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import okhttp3.Cookie;
import okhttp3.CookieJar;
import okhttp3.HttpUrl;

/**
 * An RFC 6265 cookie jar over a {@link CookieStore}: OkHttp's {@link Cookie} does the parsing and
 * the domain, path and {@code Secure} matching; this class keeps the storage model (one cookie per
 * name, domain and path; expired cookies deleted, which is how {@code Max-Age=0} removes one) and
 * persists every change.
 *
 * <p>Cookies that arrive on the auth endpoints' own responses are {@linkplain #staging() staged}
 * and {@linkplain #commit committed} only once the SDK accepts the response, so a failed login
 * changes nothing, and a rotated refresh cookie is persisted before the new access token is
 * released.
 *
 * <p>With a {@link SessionStore} shared among processes, every change takes the store's lock,
 * re-reads the store, then applies the change and writes, so that no process overwrites another's
 * rotation with a stale copy.
 *
 * <p>Thread-safe. Lock order: the store's lock first, then this jar's monitor; never the reverse.
 */
final class SessionCookieJar implements CookieJar {
  /** Orders cookies with longer paths first, as RFC 6265 section 5.4 asks of the Cookie header. */
  private static final Comparator<Cookie> LONGER_PATH_FIRST =
      (a, b) -> Integer.compare(b.path().length(), a.path().length());

  static final Closeable NO_LOCK = () -> {};

  private final CookieStore store;
  private final SessionStore shared;
  private final Clock clock;
  private final SessionListener listener;

  /** The working set, loaded from the store on first use; null until then. Guarded by this. */
  private List<Cookie> cookies;

  SessionCookieJar(CookieStore store, Clock clock, SessionListener listener) {
    this.store = store;
    this.shared = store instanceof SessionStore ? (SessionStore) store : null;
    this.clock = clock;
    this.listener = listener;
  }

  @Override
  public void saveFromResponse(HttpUrl url, List<Cookie> received) {
    if (received.isEmpty()) return;
    try {
      merge(received);
    } catch (IOException e) {
      listener.onStorageError(e); // OkHttp's CookieJar cannot throw; the cookie stays in memory.
    }
  }

  @Override
  public synchronized List<Cookie> loadForRequest(HttpUrl url) {
    List<Cookie> result = null;
    long now = clock.currentTimeMillis();
    for (Cookie cookie : cookies()) {
      if (cookie.expiresAt() > now && cookie.matches(url)) {
        if (result == null) result = new ArrayList<>();
        result.add(cookie);
      }
    }
    if (result == null) return Collections.emptyList();
    Collections.sort(result, LONGER_PATH_FIRST);
    return result;
  }

  /** Returns true if a live cookie named {@code name} would be sent to {@code url}. */
  synchronized boolean has(String name, HttpUrl url) {
    long now = clock.currentTimeMillis();
    for (Cookie cookie : cookies()) {
      if (cookie.name().equals(name) && cookie.expiresAt() > now && cookie.matches(url)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns a jar that reads this jar's cookies and holds back the ones it receives until {@link
   * #commit}.
   */
  Staging staging() {
    return new Staging();
  }

  /** Applies {@code staging}'s cookies to this jar and persists them. */
  void commit(Staging staging) throws IOException {
    List<Cookie> received = staging.received();
    if (!received.isEmpty()) merge(received);
  }

  /** Removes every cookie named {@code name} that would be sent to {@code url}, and persists. */
  void remove(String name, HttpUrl url) throws IOException {
    try (Closeable lock = lockStore()) {
      synchronized (this) {
        reloadIfShared();
        List<Cookie> kept = new ArrayList<>();
        for (Cookie cookie : cookies()) {
          if (!(cookie.name().equals(name) && cookie.matches(url))) kept.add(cookie);
        }
        update(kept);
      }
    }
  }

  /** Removes every cookie, and persists. */
  void clear() throws IOException {
    try (Closeable lock = lockStore()) {
      synchronized (this) {
        update(new ArrayList<Cookie>());
      }
    }
  }

  /** Forgets the working set so that the next use reads the store again. */
  synchronized void reload() {
    cookies = null;
  }

  /**
   * RFC 6265 section 5.3, steps 11 and 12: replace by name, domain and path; an expired cookie only
   * deletes.
   */
  private void merge(List<Cookie> received) throws IOException {
    try (Closeable lock = lockStore()) {
      synchronized (this) {
        reloadIfShared();
        List<Cookie> next = new ArrayList<>(cookies());
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
        update(next);
      }
    }
  }

  /**
   * Keeps the live cookies of {@code next}, in memory first, then in the store. Holds this jar's
   * monitor.
   */
  private void update(List<Cookie> next) throws IOException {
    long now = clock.currentTimeMillis();
    List<Cookie> live = new ArrayList<>(next.size());
    for (Cookie cookie : next) {
      if (cookie.expiresAt() > now) live.add(cookie);
    }
    List<Cookie> snapshot = Collections.unmodifiableList(live);
    cookies =
        snapshot; // Memory first: a store failure must not lose a cookie the server just rotated.
    store.saveCookies(snapshot);
  }

  private void reloadIfShared() {
    if (shared != null) cookies = null;
  }

  private Closeable lockStore() throws IOException {
    return shared != null ? shared.lock() : NO_LOCK;
  }

  /** Returns the working set, reading the store if needed. Holds this jar's monitor. */
  private List<Cookie> cookies() {
    if (cookies == null) {
      List<Cookie> loaded;
      try {
        loaded = store.loadCookies();
      } catch (IOException e) {
        loaded = null; // An unreadable store means signed out.
        listener.onStorageError(e);
      }
      cookies =
          loaded == null
              ? Collections.<Cookie>emptyList()
              : Collections.unmodifiableList(new ArrayList<>(loaded));
    }
    return cookies;
  }

  @Override
  public String toString() {
    return "SessionCookieJar{store=" + store + "}";
  }

  /** Reads through to the jar; keeps received cookies aside. Confined to the one call it serves. */
  final class Staging implements CookieJar {
    /** Guarded by this. */
    private final List<Cookie> received = new ArrayList<>();

    @Override
    public List<Cookie> loadForRequest(HttpUrl url) {
      return SessionCookieJar.this.loadForRequest(url);
    }

    @Override
    public synchronized void saveFromResponse(HttpUrl url, List<Cookie> cookies) {
      received.addAll(cookies);
    }

    synchronized List<Cookie> received() {
      return new ArrayList<>(received);
    }
  }
}
