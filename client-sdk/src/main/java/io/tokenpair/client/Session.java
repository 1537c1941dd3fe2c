package io.tokenpair.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import okhttp3.Cookie;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * The session state machine: the current {@link TokenState}, the refresh credential (a cookie in
 * the jar, or a body refresh token), and the changes that move them (refresh, login, sign-in,
 * logout, a manual token, the end of the session), each stored before it is released.
 *
 * <p>States: not loaded ({@link #state} null) until the store is first read; then signed in (a
 * token, or none but a refresh credential) or signed out. Two epochs order the changes. {@link
 * #sessionEpoch} counts the changes of owner: login, sign-in, logout and the end of the session; a
 * refresh that began in another epoch is discarded whole. {@link #tokenEpoch} counts the app's
 * manual token changes; a refresh that began before one still keeps the refresh credential the
 * server rotated, because the server has already spent the old one, and discards only its access
 * token.
 *
 * <p>Thread-safe. Reads of the token are lock-free. Lock order: the shared store's cross-process
 * lock, then this object's monitor, then the cookie jar's, then the refresher's. The monitor is
 * never held across a network call; the cross-process lock is held across the refresh call, never
 * across login or logout calls. The listener is called only after every lock is released.
 */
final class Session {
  /** A token another process stored is adopted only with at least this much life left. */
  static final long MIN_ADOPTABLE_MILLIS = TimeUnit.SECONDS.toMillis(5);

  private final Stores stores;
  final SessionCookieJar cookieJar;
  final AuthCalls calls;

  /** Whether the refresh credential is a body refresh token rather than a cookie. */
  private final boolean bodyTokens;

  private final String refreshCookieName;
  private final long refreshAheadMillis;
  private final SessionListener listener;
  private final Clock clock;
  private final ObjectMapper mapper;
  final TokenRefresher refresher;

  /** The current token; null until loaded from the store. Written with this lock held. */
  private volatile @Nullable TokenState state;

  /** The body refresh token, loaded with {@link #state}. Guarded by this. */
  private @Nullable String refreshToken;

  /** Incremented by login, sign-in, logout and the end of the session. Guarded by this. */
  private int sessionEpoch;

  /** Incremented by each manual token change. Guarded by this. */
  private int tokenEpoch;

  /** The server's clock minus this device's, as the last login or refresh measured it. */
  private volatile long clockOffsetMillis;

  /** {@link Clock#nanoTime()} before which the server asked not to refresh (Retry-After). */
  private volatile long refreshBackoffUntilNanos;

  Session(
      Stores stores,
      AuthCalls calls,
      boolean bodyTokens,
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
    this.bodyTokens = bodyTokens;
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
    this.refreshBackoffUntilNanos = clock.nanoTime();
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

  /** Returns true if the session has a refresh credential. */
  boolean canRefresh() {
    Events events = new Events(listener);
    boolean result;
    synchronized (this) {
      loaded(events);
      result = canRefresh(events);
    }
    events.fire();
    return result;
  }

  /** Holds this monitor. */
  private boolean canRefresh(Events events) {
    if (bodyTokens) return refreshToken != null;
    return cookieJar.has(refreshCookieName, calls.protocol.endpoint(), events);
  }

  /** Replaces the token by the app's decision; a refresh in flight will not overwrite it. */
  void setAccessToken(@Nullable String token) throws IOException {
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

  /** Starts a session with a pair obtained elsewhere. */
  void signIn(String accessToken, String newRefreshToken) throws IOException {
    if (!bodyTokens) {
      throw new IllegalStateException(
          "signIn needs a protocol whose refresh token is in the body, such as oauth2.");
    }
    Events events = new Events(listener);
    try (Closeable lock = lock(events)) {
      synchronized (this) {
        loaded(events);
        sessionEpoch++;
        refresher.reset();
        saveRefreshToken(newRefreshToken, events);
        save(accessToken, events);
        state = TokenState.received(accessToken, serverTimeMillis(), mapper);
      }
    } finally {
      events.fire();
    }
  }

  /** The refresh function: runs on the refresher's thread, one at a time, and reports itself. */
  private String refresh(TokenRefresher.Flight flight) throws IOException {
    RefreshEvent.Cause cause =
        flight.cause instanceof RefreshEvent.Cause
            ? (RefreshEvent.Cause) flight.cause
            : RefreshEvent.Cause.FORCED;
    Events events = new Events(listener);
    long start = clock.nanoTime();
    RefreshEvent.Outcome outcome = RefreshEvent.Outcome.FAILED;
    IOException failure = null;
    try {
      Adopted adopted = new Adopted();
      String token = refresh(events, adopted);
      outcome = adopted.value ? RefreshEvent.Outcome.ADOPTED : RefreshEvent.Outcome.REFRESHED;
      return token;
    } catch (IOException e) {
      failure = e;
      boolean rejected =
          e instanceof AuthResponseException && ((AuthResponseException) e).endsSession();
      if (rejected) outcome = RefreshEvent.Outcome.REJECTED;
      throw e;
    } finally {
      events.refresh(
          new RefreshEvent(
              cause.trigger,
              cause.status,
              outcome,
              failure,
              clock.nanoTime() - start,
              flight.callers.get()));
      events.fire();
    }
  }

  /** Whether a refresh adopted another process's token. Confined to the refresh. */
  private static final class Adopted {
    boolean value;
  }

  /**
   * With a shared store, holds its lock throughout, and first looks whether another process has
   * refreshed already.
   */
  private String refresh(Events events, Adopted adopted) throws IOException {
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
        String token = adoptShared(startSession, startToken, before, events);
        if (token != null) {
          adopted.value = true;
          return token;
        }
      }
      String presented;
      synchronized (this) {
        boolean credential = canRefresh(events) || (!bodyTokens && before.token != null);
        if (sessionEpoch != startSession || !credential) {
          // A caller that looked before the previous refresh ended the session: nothing to refresh
          // with, and the session's end was already announced.
          throw new IOException("There is no session to refresh.");
        }
        presented = refreshToken;
      }
      if (clock.nanoTime() - refreshBackoffUntilNanos < 0) {
        throw new IOException("The server asked to wait before the next refresh (Retry-After).");
      }
      SessionCookieJar.Staging staging = cookieJar.staging();
      AuthCalls.Grant grant;
      try {
        grant = calls.refresh(staging, presented);
      } catch (AuthResponseException e) {
        if (e.endsSession()) {
          if (expire(startSession, events)) events.sessionExpired();
        } else {
          keepRotation(startSession, staging, events, e);
          if (e.code() == 429 && e.retryAfterMillis() > 0) { // Too many: wait as asked.
            refreshBackoffUntilNanos =
                clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(e.retryAfterMillis());
          }
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
   * Re-reads the shared store: adopts the refresh token another process rotated, and returns the
   * access token it stored if that is a JWT with time to spare, after making it current; else null,
   * and the refresh goes to the network with the freshly read credential. Tokens of unknown expiry
   * are never adopted: one may be long dead, and the replay it would cost is the request's only
   * one.
   */
  private @Nullable String adoptShared(
      int startSession, int startToken, TokenState before, Events events) {
    cookieJar.reload();
    String token;
    String storedRefreshToken = null;
    try {
      token = stores.loadAccessToken();
      if (bodyTokens) storedRefreshToken = stores.loadRefreshToken();
    } catch (IOException e) {
      events.storageError(e);
      return null;
    }
    TokenState stored = TokenState.loaded(token, mapper);
    long now = serverTimeMillis();
    boolean adoptable =
        stored.token != null
            && !stored.token.equals(before.token)
            && stored.expiresAtMillis != Jwt.UNKNOWN
            && stored.expiresAtMillis - now > Math.max(refreshAheadMillis, MIN_ADOPTABLE_MILLIS);
    synchronized (this) {
      if (sessionEpoch != startSession || tokenEpoch != startToken) return null;
      if (bodyTokens) refreshToken = storedRefreshToken;
      if (!adoptable) return null;
      state = stored;
    }
    events.refreshed(stored.token);
    return stored.token;
  }

  /**
   * Stores the refresh's credential, then its token, then makes the token current. A change of
   * owner since the refresh began discards everything; a manual token change discards only the
   * token. A store failure fails the refresh: the token is never released before the credential is
   * durable.
   */
  private String commit(
      int startSession,
      int startToken,
      SessionCookieJar.Staging staging,
      AuthCalls.Grant grant,
      Events events)
      throws IOException {
    String accessToken = grant.tokens.accessToken();
    synchronized (this) {
      if (sessionEpoch != startSession) {
        throw new IOException("The session ended during the refresh; its result was discarded.");
      }
      commitCookies(staging, events);
      String rotated = grant.tokens.refreshToken();
      if (bodyTokens && rotated != null) saveRefreshToken(rotated, events);
      clockOffsetMillis = grant.clockOffsetMillis;
      if (tokenEpoch != startToken) {
        // The app set the token meanwhile: its token stands, and the waiting calls replay with it.
        TokenState current = state;
        if (current != null && current.token != null) return current.token;
        throw new IOException("The app cleared the access token during the refresh.");
      }
      save(accessToken, events);
      state =
          TokenState.received(
              accessToken, serverTimeMillis(), grant.tokens.expiresInMillis(), mapper);
    }
    events.refreshed(accessToken);
    return accessToken;
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
      if (bodyTokens) {
        refreshToken = null;
        stores.saveRefreshToken(null);
      } else {
        cookieJar.remove(refreshCookieName, calls.protocol.endpoint(), events);
      }
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
      String accessToken = grant.tokens.accessToken();
      try (Closeable lock = lock(events)) {
        synchronized (this) {
          loaded(events);
          sessionEpoch++;
          refresher.reset();
          commitCookies(staging, events);
          if (bodyTokens) saveRefreshToken(grant.tokens.refreshToken(), events);
          save(accessToken, events);
          clockOffsetMillis = grant.clockOffsetMillis;
          state =
              TokenState.received(
                  accessToken, serverTimeMillis(), grant.tokens.expiresInMillis(), mapper);
        }
      }
      return accessToken;
    } finally {
      events.fire();
    }
  }

  /**
   * Ends the session here first, under the store's lock, then tells the server outside every lock
   * with the credentials it had (the cookie protocol's logout endpoint; other protocols end the
   * session locally).
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
            if (bodyTokens) {
              refreshToken = null;
              stores.saveRefreshToken(null);
            }
            cookieJar.clear();
          } catch (IOException e) {
            events.storageError(e);
            failure = e;
          }
        }
      }
      if (!bodyTokens && (authorization != null || !cookies.isEmpty())) {
        calls.logout(authorization, cookies);
      }
      if (failure != null) throw failure;
    } finally {
      events.fire();
    }
  }

  /** Returns the current state, reading the store the first time. Holds this monitor. */
  private TokenState loaded(Events events) {
    TokenState current = state;
    if (current != null) return current;
    String token = null;
    try {
      token = stores.loadAccessToken();
      if (bodyTokens) refreshToken = stores.loadRefreshToken();
    } catch (IOException e) {
      events.storageError(e); // An unreadable store means signed out.
    }
    current = TokenState.loaded(token, mapper);
    state = current;
    return current;
  }

  private void save(@Nullable String token, Events events) throws IOException {
    try {
      stores.saveAccessToken(token);
    } catch (IOException e) {
      events.storageError(e);
      throw e;
    }
  }

  /** Memory first: a store failure must not lose a refresh token the server just rotated. */
  private void saveRefreshToken(@Nullable String token, Events events) throws IOException {
    refreshToken = token;
    try {
      stores.saveRefreshToken(token);
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
}
