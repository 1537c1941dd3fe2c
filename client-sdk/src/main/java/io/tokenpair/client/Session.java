package io.tokenpair.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import okhttp3.Cookie;
import org.jspecify.annotations.Nullable;

/**
 * The session state machine: the current {@link TokenState}, the refresh {@link Credential}, and
 * the transitions that move them, each stored before it is released: a refresh's commit, the end of
 * the session, a new owner (login, sign-in), a manual token, logout.
 *
 * <p>States: not loaded ({@link #state} null) until the store is first read; then signed in (a
 * token, or none but a credential) or signed out. {@link #sessionEpoch} counts the changes of
 * owner: a refresh that began in another epoch is discarded whole. {@link #tokenEpoch} counts
 * manual token changes: a refresh that began before one still keeps the credential the server
 * rotated (the server has spent the old one) and discards only its access token.
 *
 * <p>Thread-safe. Reads of the token are lock-free; this object's monitor guards the epochs, the
 * credential and the writes of {@link #state}, and is held across the stores' local reads and
 * writes only. Changes of the credential take the shared store's lock first. The listener is never
 * called from here: events go to the caller's {@link Events}.
 */
final class Session {
  /** A token another process stored is adopted only with at least this much life left. */
  static final long MIN_ADOPTABLE_MILLIS = TimeUnit.SECONDS.toMillis(5);

  private final Stores stores;
  final SessionCookieJar cookieJar;
  final AuthCalls calls;
  final TokenRefresher refresher;

  /** The refresh credential. Guarded by this. */
  private final Credential credential;

  private final long refreshAheadMillis;
  private final SessionListener listener;
  private final Clock clock;
  private final ObjectMapper mapper;

  /** The current token; null until loaded from the store. Written with this lock held. */
  private volatile @Nullable TokenState state;

  /** Incremented by login, sign-in, logout and the end of the session. Guarded by this. */
  private int sessionEpoch;

  /** Incremented by each manual token change. Guarded by this. */
  private int tokenEpoch;

  /** The server's clock minus this device's, as the last login or refresh measured it. */
  private volatile long clockOffsetMillis;

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
    this.refreshAheadMillis = refreshAheadMillis;
    this.listener = listener;
    this.clock = clock;
    this.mapper = mapper;
    this.cookieJar = new SessionCookieJar(stores, clock, listener, executor);
    this.credential =
        new Credential(bodyTokens, stores, cookieJar, refreshCookieName, calls.protocol.endpoint());
    long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(refreshTimeoutMillis);
    Refresh refresh = new Refresh(this, stores, calls, refreshAheadMillis, listener, clock);
    this.refresher = new TokenRefresher(refresh, graceWindowNanos, timeoutNanos, executor, clock);
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
      result = credential.isPresent(events);
    }
    events.fire();
    return result;
  }

  // Refresh transitions, for Refresh. The caller holds the store's lock.

  /** What a refresh saw when it began. Confined to the refresh. */
  static final class Snapshot {
    int sessionEpoch;
    int tokenEpoch;
    TokenState state = TokenState.NONE;
    boolean adopted;
  }

  void begin(Snapshot snapshot, Events events) {
    synchronized (this) {
      snapshot.state = loaded(events);
      snapshot.sessionEpoch = sessionEpoch;
      snapshot.tokenEpoch = tokenEpoch;
    }
  }

  /**
   * With a shared store: takes the credential another process stored, and makes {@code stored} (its
   * access token, or null for none worth adopting) current. Returns {@code stored}'s token, or null
   * when the session changed meanwhile or there is nothing to adopt.
   */
  @Nullable String adopt(Snapshot before, @Nullable TokenState stored, Events events) {
    synchronized (this) {
      if (sessionEpoch != before.sessionEpoch || tokenEpoch != before.tokenEpoch) return null;
      try {
        credential.reload();
      } catch (IOException e) {
        events.storageError(e);
        return null;
      }
      if (stored == null) return null;
      state = stored;
    }
    before.adopted = true;
    events.refreshed(stored.token);
    return stored.token;
  }

  /**
   * Returns the refresh token to present (null for the cookie protocol).
   *
   * @throws IOException when there is nothing to refresh with: a caller that looked before the
   *     previous refresh ended the session, whose end was already announced.
   */
  @Nullable String credential(Snapshot before, Events events) throws IOException {
    synchronized (this) {
      boolean present =
          credential.isPresent(events) || (!credential.isBodyToken() && before.state.token != null);
      if (sessionEpoch != before.sessionEpoch || !present) {
        throw new IOException("There is no session to refresh.");
      }
      return credential.presented();
    }
  }

  /**
   * Stores the refresh's credential, then its token, then makes the token current. A change of
   * owner since the refresh began discards everything; a manual token change discards only the
   * token. A store failure fails the refresh: the token is never released before the credential is
   * durable.
   */
  String commit(
      Snapshot before, SessionCookieJar.Staging staging, AuthCalls.Grant grant, Events events)
      throws IOException {
    String accessToken = grant.tokens.accessToken();
    synchronized (this) {
      if (sessionEpoch != before.sessionEpoch) {
        throw new IOException("The session ended during the refresh; its result was discarded.");
      }
      credential.rotate(staging, grant.tokens.refreshToken(), events);
      clockOffsetMillis = grant.clockOffsetMillis;
      TokenState current = state;
      if (tokenEpoch != before.tokenEpoch) {
        // The app set the token meanwhile: its token stands, and the waiting calls replay with it.
        if (current != null && current.token != null) return current.token;
        throw new IOException("The app cleared the access token during the refresh.");
      }
      save(accessToken, events);
      long expiresIn = grant.tokens.expiresInMillis();
      state = TokenState.received(accessToken, serverTimeMillis(), expiresIn, mapper);
    }
    events.refreshed(accessToken);
    return accessToken;
  }

  /**
   * After a failed refresh: whatever the server said of its cookie stands, because it may have
   * rotated before the answer failed; unless the session changed owner meanwhile.
   */
  void keepRotation(
      Snapshot before, SessionCookieJar.Staging staging, Events events, IOException failure) {
    synchronized (this) {
      if (sessionEpoch != before.sessionEpoch) return;
      try {
        credential.rotate(staging, null, events);
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  /** Ends the session after a rejected refresh; returns false if it had already changed owner. */
  synchronized boolean expire(Snapshot before, Events events) {
    if (sessionEpoch != before.sessionEpoch) return false;
    try {
      clear(false, events);
    } catch (IOException e) {
      // Memory is cleared and the error reported; a stale stored pair only costs one rejected
      // refresh after a restart.
    }
    return true;
  }

  // The app's transitions.

  /** Replaces the token by the app's decision; a refresh in flight will not overwrite it. */
  void setAccessToken(@Nullable String token) throws IOException {
    Events events = new Events(listener);
    try (Closeable lock = stores.lock(events)) {
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

  boolean hasBodyToken() {
    return credential.isBodyToken();
  }

  /** Login and sign-in: a new owner's pair, its credential stored before its access token. */
  void newOwner(SessionCookieJar.@Nullable Staging staging, AuthCalls.Grant grant)
      throws IOException {
    Events events = new Events(listener);
    String accessToken = grant.tokens.accessToken();
    try (Closeable lock = stores.lock(events)) {
      synchronized (this) {
        loaded(events);
        sessionEpoch++;
        refresher.reset();
        credential.replace(staging, grant.tokens.refreshToken(), events);
        save(accessToken, events);
        if (grant.clockOffsetMillis != AuthCalls.Grant.UNKNOWN_OFFSET) {
          clockOffsetMillis = grant.clockOffsetMillis;
        }
        long expiresIn = grant.tokens.expiresInMillis();
        state = TokenState.received(accessToken, serverTimeMillis(), expiresIn, mapper);
      }
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
      try (Closeable lock = stores.lock(events)) {
        synchronized (this) {
          TokenState current = loaded(events);
          if (stores.isShared()) cookieJar.reload(); // Post the cookie current now.
          authorization = current.header;
          cookies = cookieJar.forRequest(calls.logoutUrl, events);
          try {
            clear(true, events);
          } catch (IOException e) {
            failure = e;
          }
        }
      }
      if (!credential.isBodyToken() && (authorization != null || !cookies.isEmpty())) {
        calls.logout(authorization, cookies);
      }
      if (failure != null) throw failure;
    } finally {
      events.fire();
    }
  }

  // Storage. Each holds this monitor.

  /** Forgets both tokens, in memory first; a new epoch discards every refresh in flight. */
  private void clear(boolean allCookies, Events events) throws IOException {
    sessionEpoch++;
    state = TokenState.NONE;
    refresher.reset();
    IOException failure = null;
    try {
      stores.saveAccessToken(null);
    } catch (IOException e) {
      failure = events.storage(e);
    }
    credential.forget(allCookies, events);
    if (failure != null) throw failure;
  }

  /** Returns the current state, reading the store the first time. */
  private TokenState loaded(Events events) {
    TokenState current = state;
    if (current != null) return current;
    String token = null;
    try {
      token = stores.loadAccessToken();
      credential.load();
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
      throw events.storage(e);
    }
  }
}
