package io.tokenpair.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import okhttp3.Cookie;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * The session state machine: the current {@link TokenState} and the changes that move it (refresh,
 * login, logout, a manual token, the end of the session), each stored before it is released.
 *
 * <p>States: not loaded ({@link #state} null) until the store is first read; then signed in (a
 * token, or none but a refresh cookie) or signed out. Two epochs order the changes. {@link
 * #sessionEpoch} counts the changes of owner: login, logout and the end of the session; a refresh
 * that began in another epoch is discarded whole. {@link #tokenEpoch} counts the app's manual token
 * changes; a refresh that began before one still keeps the refresh cookie the server rotated,
 * because the server has already spent the old one, and discards only its access token.
 *
 * <p>Thread-safe. Reads of the token are lock-free. Lock order: the shared store's cross-process
 * lock, then this object's monitor, then the cookie jar's, then the refresher's. The monitor is
 * never held across a network call, only across the stores' local reads and writes; the
 * cross-process lock is held across the refresh call, so that processes refresh one at a time, and
 * never across login or logout calls. The listener is called only after every lock is released.
 */
final class Session {
  /** A token another process stored is adopted only with at least this much life left. */
  static final long MIN_ADOPTABLE_MILLIS = TimeUnit.SECONDS.toMillis(5);

  private final Stores stores;
  final SessionCookieJar cookieJar;
  final AuthCalls calls;
  private final String refreshCookieName;
  private final long refreshAheadMillis;
  private final SessionListener listener;
  private final Clock clock;
  private final ObjectMapper mapper;
  final TokenRefresher refresher;

  /** The current token; null until loaded from the store. Written with this lock held. */
  private volatile TokenState state;

  /** Incremented by login, logout and the end of the session. Guarded by this. */
  private int sessionEpoch;

  /** Incremented by each manual token change. Guarded by this. */
  private int tokenEpoch;

  /** The server's clock minus this device's, as the last login or refresh measured it. */
  private volatile long clockOffsetMillis;

  Session(
      Stores stores,
      AuthCalls calls,
      String refreshCookieName,
      long graceWindowNanos,
      long refreshAheadMillis,
      long refreshTimeoutMillis,
      SessionListener listener,
      Clock clock,
      ObjectMapper mapper,
      Executor executor) {
    this.stores = stores;
    this.calls = calls;
    this.refreshCookieName = refreshCookieName;
    this.refreshAheadMillis = refreshAheadMillis;
    this.listener = listener;
    this.clock = clock;
    this.mapper = mapper;
    this.cookieJar = new SessionCookieJar(stores, clock, listener, executor);
    this.refresher =
        new TokenRefresher(
            this::refresh,
            graceWindowNanos,
            TimeUnit.MILLISECONDS.toNanos(refreshTimeoutMillis),
            executor,
            clock);
  }

  /** Returns the current token, reading the store the first time. */
  TokenState currentState() {
    TokenState result = state;
    if (result != null) return result;
    Events events = new Events(listener);
    synchronized (this) {
      result = loaded(events);
    }
    events.fire();
    return result;
  }

  /** The best estimate of the server's clock now. */
  long serverTimeMillis() {
    return clock.currentTimeMillis() + clockOffsetMillis;
  }

  /** Returns true if a refresh cookie would be sent to the refresh endpoint. */
  boolean hasRefreshCookie() {
    Events events = new Events(listener);
    boolean result = hasRefreshCookie(events);
    events.fire();
    return result;
  }

  private boolean hasRefreshCookie(Events events) {
    return cookieJar.has(refreshCookieName, calls.refreshUrl, events);
  }

  /** Replaces the token by the app's decision; a refresh in flight will not overwrite it. */
  void setAccessToken(String token) throws IOException {
    Events events = new Events(listener);
    try (Closeable lock = lock(events)) {
      synchronized (this) {
        loaded(events);
        tokenEpoch++;
        state = TokenState.received(token, serverTimeMillis(), mapper);
        refresher.reset();
        save(token, events);
      }
    } finally {
      events.fire();
    }
  }

  /** The refresh function: runs on the refresher's thread, one at a time. */
  private String refresh() throws IOException {
    Events events = new Events(listener);
    try {
      return refresh(events);
    } finally {
      events.fire();
    }
  }

  /**
   * With a shared store, holds its lock throughout, and first looks whether another process has
   * refreshed already.
   */
  private String refresh(Events events) throws IOException {
    try (Closeable lock = lock(events)) {
      int startSession;
      int startToken;
      TokenState before;
      synchronized (this) {
        before = loaded(events);
        startSession = sessionEpoch;
        startToken = tokenEpoch;
      }
      if (stores.isShared()) {
        String adopted = adoptSharedToken(startSession, startToken, before, events);
        if (adopted != null) return adopted;
      }
      if (before.token == null && !hasRefreshCookie(events)) {
        // A caller that looked before the previous refresh ended the session: nothing to refresh
        // with, and the session's end was already announced.
        throw new IOException("There is no session to refresh.");
      }
      SessionCookieJar.Staging staging = cookieJar.staging();
      AuthCalls.Grant grant;
      try {
        grant = calls.refresh(staging);
      } catch (AuthResponseException e) {
        if (e.code() == 400 || e.code() == 401 || e.code() == 403) {
          if (expire(startSession, events)) events.sessionExpired();
        } else {
          keepRotation(startSession, staging, events, e);
        }
        throw e;
      } catch (IOException e) {
        keepRotation(startSession, staging, events, e);
        throw e;
      }
      return commit(startSession, startToken, staging, grant, events);
    }
  }

  /**
   * Re-reads the shared store. Returns the token another process stored if it is a JWT with time to
   * spare, after making it current; else null, and the refresh goes to the network with the freshly
   * read cookie. Tokens of unknown expiry are never adopted: one may be long dead, and the replay
   * it would cost is the request's only one.
   */
  private String adoptSharedToken(
      int startSession, int startToken, TokenState before, Events events) {
    cookieJar.reload();
    String token;
    try {
      token = stores.loadAccessToken();
    } catch (IOException e) {
      events.storageError(e);
      return null;
    }
    TokenState stored = TokenState.loaded(token, mapper);
    long now = serverTimeMillis();
    if (stored.token == null
        || stored.token.equals(before.token)
        || stored.expiresAtMillis == Jwt.UNKNOWN
        || stored.expiresAtMillis - now <= Math.max(refreshAheadMillis, MIN_ADOPTABLE_MILLIS)) {
      return null;
    }
    synchronized (this) {
      if (sessionEpoch != startSession || tokenEpoch != startToken) return null;
      state = stored;
    }
    events.refreshed(stored.token);
    return stored.token;
  }

  /**
   * Stores the refresh's cookies, then its token, then makes the token current. A change of owner
   * since the refresh began discards everything; a manual token change discards only the token. A
   * store failure fails the refresh: the token is never released before the cookie is durable.
   */
  private String commit(
      int startSession,
      int startToken,
      SessionCookieJar.Staging staging,
      AuthCalls.Grant grant,
      Events events)
      throws IOException {
    synchronized (this) {
      if (sessionEpoch != startSession) {
        throw new IOException("The session ended during the refresh; its result was discarded.");
      }
      commitCookies(staging, events);
      clockOffsetMillis = grant.clockOffsetMillis;
      if (tokenEpoch != startToken) {
        // The app set the token meanwhile: its token stands, and the waiting calls replay with it.
        if (state.token != null) return state.token;
        throw new IOException("The app cleared the access token during the refresh.");
      }
      save(grant.accessToken, events);
      state = TokenState.received(grant.accessToken, serverTimeMillis(), mapper);
    }
    events.refreshed(grant.accessToken);
    return grant.accessToken;
  }

  /**
   * After a failed refresh: whatever the server said of its cookie stands, because it may have
   * rotated before the answer failed. Unless the session changed owner meanwhile.
   */
  private void keepRotation(
      int startSession, SessionCookieJar.Staging staging, Events events, IOException failure) {
    synchronized (this) {
      if (sessionEpoch != startSession) return;
      try {
        commitCookies(staging, events);
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  /** Ends the session after a rejected refresh; returns false if it had already changed owner. */
  private synchronized boolean expire(int startSession, Events events) {
    if (sessionEpoch != startSession) return false;
    sessionEpoch++;
    state = TokenState.NONE;
    refresher.reset();
    try {
      stores.saveAccessToken(null);
      cookieJar.remove(refreshCookieName, calls.refreshUrl, events);
    } catch (IOException e) {
      // Memory is cleared; a stale stored pair only costs one rejected refresh after a restart.
      events.storageError(e);
    }
    return true;
  }

  String login(Request loginRequest) throws IOException {
    Events events = new Events(listener);
    try {
      SessionCookieJar.Staging staging = cookieJar.staging();
      AuthCalls.Grant grant = calls.login(loginRequest, staging);
      try (Closeable lock = lock(events)) {
        synchronized (this) {
          loaded(events);
          sessionEpoch++;
          refresher.reset();
          commitCookies(staging, events);
          save(grant.accessToken, events);
          clockOffsetMillis = grant.clockOffsetMillis;
          state = TokenState.received(grant.accessToken, serverTimeMillis(), mapper);
        }
      }
      return grant.accessToken;
    } finally {
      events.fire();
    }
  }

  /**
   * Ends the session here first, under the store's lock, then tells the server outside every lock
   * with the credentials it had.
   */
  void logout() throws IOException {
    Events events = new Events(listener);
    try {
      String authorization;
      List<Cookie> cookies;
      IOException failure = null;
      try (Closeable lock = lock(events)) {
        synchronized (this) {
          TokenState current = loaded(events);
          if (stores.isShared()) cookieJar.reload(); // Post the cookie current now.
          authorization = current.header;
          cookies = cookieJar.forRequest(calls.logoutUrl, events);
          sessionEpoch++;
          state = TokenState.NONE;
          refresher.reset();
          try {
            stores.saveAccessToken(null);
            cookieJar.clear();
          } catch (IOException e) {
            events.storageError(e);
            failure = e;
          }
        }
      }
      if (authorization != null || !cookies.isEmpty()) calls.logout(authorization, cookies);
      if (failure != null) throw failure;
    } finally {
      events.fire();
    }
  }

  /** Returns the current state, reading the store the first time. Holds this monitor. */
  private TokenState loaded(Events events) {
    if (state == null) {
      String token = null;
      try {
        token = stores.loadAccessToken();
      } catch (IOException e) {
        events.storageError(e); // An unreadable store means signed out.
      }
      state = TokenState.loaded(token, mapper);
    }
    return state;
  }

  private void save(String token, Events events) throws IOException {
    try {
      stores.saveAccessToken(token);
    } catch (IOException e) {
      events.storageError(e);
      throw e;
    }
  }

  private void commitCookies(SessionCookieJar.Staging staging, Events events) throws IOException {
    try {
      cookieJar.commit(staging, events);
    } catch (IOException e) {
      events.storageError(e);
      throw e;
    }
  }

  private Closeable lock(Events events) throws IOException {
    try {
      return stores.lock();
    } catch (IOException e) {
      if (!(e instanceof InterruptedIOException)) events.storageError(e);
      throw e;
    }
  }

  HttpUrl refreshUrl() {
    return calls.refreshUrl;
  }
}
