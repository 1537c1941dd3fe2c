package io.tokenpair.client;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import okhttp3.Cookie;
import okhttp3.CookieJar;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * An RFC 6265 cookie jar over the app's cookie store: OkHttp's {@link Cookie} does the parsing and
 * the domain, path and {@code Secure} matching; this class keeps the storage model (one cookie per
 * name, domain and path; expired cookies deleted, which is how {@code Max-Age=0} removes one; a
 * cleartext response never sets a {@code Secure} cookie nor overwrites one, RFC 6265bis section
 * 5.7) and persists every change.
 *
 * <p>Cookies that arrive on the auth calls' own responses are {@linkplain #staging() staged} and
 * {@linkplain #commit committed} only once the SDK accepts the response, so a failed login changes
 * nothing, and a rotated refresh cookie is persisted before the new access token is released. The
 * methods that change the refresh credential ({@link #commit}, {@link #remove}, {@link #clear})
 * expect their caller to hold the store's lock.
 *
 * <p>Cookies that arrive on the app's own responses never wait for the store's cross-process lock,
 * which another process may hold across a refresh: with a shared store they are kept in memory at
 * once and written by a background task that takes the lock, re-reads the store and merges them.
 * Until then every write under the lock carries them too.
 *
 * <p>Thread-safe. Lock order: the store's lock, then this jar's monitor; never the reverse. The
 * listener is never called with the monitor held.
 */
final class SessionCookieJar implements CookieJar {
  private final Stores stores;
  private final Clock clock;
  private final SessionListener listener;
  private final Executor background;

  /** The working set, loaded from the store on first use; null until then. Guarded by this. */
  private List<Cookie> cookies;

  /**
   * Cookies of the app's responses not yet written to a shared store, oldest first. Guarded by
   * this.
   */
  private List<Cookies.Received> unsaved = new ArrayList<>();

  /** Whether a background write of {@link #unsaved} is queued. Guarded by this. */
  private boolean writeQueued;

  SessionCookieJar(Stores stores, Clock clock, SessionListener listener, Executor background) {
    this.stores = stores;
    this.clock = clock;
    this.listener = listener;
    this.background = background;
  }

  @Override
  public void saveFromResponse(HttpUrl url, List<Cookie> received) {
    if (received.isEmpty()) return;
    Events events = new Events(listener);
    boolean queue = false;
    Cookies.Received response = new Cookies.Received(url, received);
    synchronized (this) {
      List<Cookie> next = Cookies.merge(cookies(events), response);
      if (stores.isShared()) {
        cookies = live(next);
        unsaved.add(response);
        queue = !writeQueued;
        writeQueued = true;
      } else {
        update(next, events); // OkHttp's CookieJar cannot throw; a failure keeps it in memory.
      }
    }
    if (queue) queueWrite(events);
    events.fire();
  }

  @Override
  public List<Cookie> loadForRequest(HttpUrl url) {
    Events events = new Events(listener);
    List<Cookie> result = forRequest(url, events);
    events.fire();
    return result;
  }

  /** The live cookies for {@code url}, longer paths first; store errors go to {@code events}. */
  List<Cookie> forRequest(HttpUrl url, Events events) {
    List<Cookie> working;
    synchronized (this) {
      working = cookies(events); // An immutable snapshot: read it outside the monitor.
    }
    return Cookies.matching(working, url, clock.currentTimeMillis());
  }

  /** Returns true if a live cookie named {@code name} would be sent to {@code url}. */
  boolean has(String name, HttpUrl url, Events events) {
    long now = clock.currentTimeMillis();
    synchronized (this) {
      for (Cookie cookie : cookies(events)) {
        if (cookie.name().equals(name) && cookie.expiresAt() > now && cookie.matches(url)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Returns a jar that reads this jar's live cookies, overlaid by the ones it receives, and holds
   * those back until {@link #commit}.
   */
  Staging staging() {
    return new Staging(null);
  }

  /**
   * Returns a jar that presents {@code base} (a {@link #snapshot}), overlaid by the cookies it
   * receives, and holds those back until {@link #commit}: what a refresh presents is fixed when it
   * reads its credential, whatever the jar holds by the time its request leaves.
   */
  Staging staging(List<Cookie> base) {
    return new Staging(base);
  }

  /** The working set now: an immutable list; store errors go to {@code events}. */
  synchronized List<Cookie> snapshot(Events events) {
    return cookies(events);
  }

  /**
   * Applies {@code staging}'s cookies to this jar and persists them. The caller holds the store's
   * lock, and reports the exception.
   *
   * @throws IOException if the store cannot save them; they are kept in memory regardless.
   */
  void commit(Staging staging, Events events) throws IOException {
    List<Cookies.Received> received = staging.received();
    if (received.isEmpty()) return;
    synchronized (this) {
      if (stores.isShared()) cookies = null; // Merge into what other processes wrote.
      IOException failure = update(Cookies.merge(cookies(events), received), null);
      if (failure != null) {
        unsaved.addAll(received); // A reload of the store must not bring back the spent cookie.
        throw failure;
      }
    }
  }

  /**
   * Removes every cookie named {@code name} that would be sent to {@code url}, and persists. The
   * caller holds the store's lock.
   */
  void remove(String name, HttpUrl url, Events events) throws IOException {
    synchronized (this) {
      if (stores.isShared()) cookies = null;
      List<Cookie> kept = new ArrayList<>();
      for (Cookie cookie : cookies(events)) {
        if (!(cookie.name().equals(name) && cookie.matches(url))) kept.add(cookie);
      }
      unsaved.clear();
      IOException failure = update(kept, null);
      if (failure != null) throw failure;
    }
  }

  /** Removes every cookie, and persists. The caller holds the store's lock. */
  synchronized void clear() throws IOException {
    unsaved.clear();
    IOException failure = update(new ArrayList<Cookie>(), null);
    if (failure != null) throw failure;
  }

  /** Forgets the working set so that the next use reads the store again. */
  synchronized void reload() {
    cookies = null;
  }

  private void queueWrite(Events events) {
    try {
      background.execute(this::writeUnsaved);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        writeQueued = false; // The cookies stay in memory and go with the next locked write.
      }
      events.storageError(new IOException("Could not queue the write of new cookies.", e));
    }
  }

  /** The background write of a shared store: takes its lock, re-reads it, merges, writes. */
  private void writeUnsaved() {
    Events events = new Events(listener);
    try (Closeable lock = stores.lock()) {
      synchronized (this) {
        writeQueued = false;
        cookies = null;
        update(cookies(events), events);
      }
    } catch (IOException e) {
      synchronized (this) {
        writeQueued = false;
      }
      events.storageError(e);
    }
    events.fire();
  }

  private List<Cookie> live(List<Cookie> next) {
    return Cookies.live(next, clock.currentTimeMillis());
  }

  /**
   * Keeps the live cookies of {@code next}, in memory first (a store failure must not lose a cookie
   * the server just rotated), then in the store. Holds this jar's monitor. Returns the store's
   * failure, also reported to {@code events} when given, or null.
   */
  private IOException update(List<Cookie> next, Events events) {
    List<Cookie> snapshot = live(next);
    cookies = snapshot;
    try {
      stores.saveCookies(snapshot);
      unsaved.clear();
      return null;
    } catch (IOException e) {
      if (events != null) events.storageError(e);
      return e;
    }
  }

  /**
   * Returns the working set, reading the store if needed, with the unsaved cookies on top. Holds
   * this jar's monitor.
   */
  private List<Cookie> cookies(Events events) {
    if (cookies == null) {
      List<Cookie> loaded;
      try {
        loaded = stores.loadCookies();
      } catch (IOException e) {
        loaded = null; // An unreadable store means signed out.
        events.storageError(e);
      }
      List<Cookie> base = loaded == null ? Collections.<Cookie>emptyList() : loaded;
      cookies = live(unsaved.isEmpty() ? base : Cookies.merge(base, unsaved));
    }
    return cookies;
  }

  @Override
  public String toString() {
    return "SessionCookieJar{shared=" + stores.isShared() + "}";
  }

  /**
   * Reads through to the jar, with the cookies it received on top, and keeps those aside. Confined
   * to the one operation it serves; its methods may be called on OkHttp's threads.
   */
  final class Staging implements CookieJar {
    /** The fixed cookies to present, or null to read the jar's live ones. */
    private final @Nullable List<Cookie> fixed;

    Staging(@Nullable List<Cookie> fixed) {
      this.fixed = fixed;
    }

    /** The responses' cookies, oldest first. Guarded by this. */
    private final List<Cookies.Received> received = new ArrayList<>();

    @Override
    public List<Cookie> loadForRequest(HttpUrl url) {
      List<Cookie> base =
          fixed != null
              ? Cookies.matching(fixed, url, clock.currentTimeMillis())
              : SessionCookieJar.this.loadForRequest(url);
      List<Cookies.Received> mine;
      synchronized (this) {
        if (received.isEmpty()) return base;
        mine = new ArrayList<>(received);
      }
      // A retry of the same call presents what the server set on the first attempt.
      return Cookies.matching(Cookies.merge(base, mine), url, clock.currentTimeMillis());
    }

    @Override
    public synchronized void saveFromResponse(HttpUrl url, List<Cookie> cookies) {
      received.add(new Cookies.Received(url, cookies));
    }

    synchronized List<Cookies.Received> received() {
      return new ArrayList<>(received);
    }
  }
}
