package io.tokenpair.client;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import okhttp3.Cookie;
import org.jspecify.annotations.Nullable;

/**
 * The session state machine: the current {@link TokenState}, the refresh {@link StoredPair refresh
 * credential}, and the transitions that move them, each stored before it is released: a refresh's
 * commit, the end of the session, a new owner (login, sign-in), a manual token, logout.
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
  private final Stores stores;
  final SessionCookieJar cookieJar;
  final AuthCalls calls;
  final TokenRefresher refresher;

  /** The stored pair and its refresh credential. Guarded by this. */
  private final StoredPair stored;

  private final SessionListener listener;
  private final Clock clock;

  /** The current token; null until loaded from the store. Written with this lock held. */
  private volatile @Nullable TokenState state;

  /**
   * Incremented by login, sign-in, logout and the end of the session. Written with this lock held;
   * read without it by {@link #sessionEpoch()}.
   */
  private volatile int sessionEpoch;

  /**
   * The tokens that have been current in this session epoch, newest first, so that a failed request
   * is replayed only in the session it was sent in. Replaced whole with this lock held.
   */
  private volatile EpochTokens epochTokens = EpochTokens.EMPTY;

  /** Incremented by each manual token change. Guarded by this. */
  private int tokenEpoch;

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
      Executor executor) {
    this.stores = stores;
    this.calls = calls;
    this.listener = listener;
    this.clock = clock;
    this.cookieJar = new SessionCookieJar(stores, clock, listener, executor);
    this.stored =
        new StoredPair(
            bodyTokens,
            stores,
            cookieJar,
            refreshCookieName,
            calls.protocol.endpoint(),
            calls.dpop);
    // Callers wait longer than one call may take: a refresh may first wait for another process.
    long timeoutNanos = 2 * TimeUnit.MILLISECONDS.toNanos(refreshTimeoutMillis);
    Refresh refresh = new Refresh(this, stores, calls, refreshAheadMillis, listener, clock);
    this.refresher = new TokenRefresher(refresh, graceWindowNanos, timeoutNanos, executor, clock);
  }

  /** Returns the current token, reading the store the first time. */
  TokenState currentState() {
    TokenState result = state;
    return result != null ? result : underMonitor(this::loaded);
  }

  /** Returns true if the session has a refresh credential. */
  boolean canRefresh() {
    return underMonitor(events -> loaded(events) != null && stored.isPresent(events));
  }

  /** Runs {@code read} with this monitor held, then fires its events. */
  private <T> T underMonitor(Function<Events, T> read) {
    Events events = new Events(listener);
    T result;
    synchronized (this) {
      result = read.apply(events);
    }
    events.fire();
    return result;
  }

  /** The best estimate of the server's clock now. */
  long serverTimeMillis() {
    return calls.serverTimeMillis();
  }

  // Refresh transitions, for Refresh. The caller holds the store's lock.

  synchronized void begin(Refresh.Snapshot snapshot, Events events) {
    snapshot.state = loaded(events);
    snapshot.sessionEpoch = sessionEpoch;
    snapshot.tokenEpoch = tokenEpoch;
  }

  /** With a shared store: takes the credential stored there, and {@code adoptable} if not null. */
  @Nullable String adopt(Refresh.Snapshot before, @Nullable TokenState adoptable, Events events) {
    synchronized (this) {
      if (sessionEpoch != before.sessionEpoch || tokenEpoch != before.tokenEpoch) return null;
      try {
        stored.reload();
      } catch (IOException e) {
        events.storageError(e);
        return null;
      }
      if (endIfKeyLost(events)) return null;
      if (adoptable == null) return null;
      adoptable = TokenState.loaded(adoptable.token, stored.dpopKey());
      current(adoptable);
    }
    before.adopted = true;
    events.refreshed(adoptable.token);
    return adoptable.token;
  }

  /**
   * Returns the refresh token to present (null for a cookie), or throws when there is nothing to
   * refresh with: a caller that looked before the previous refresh ended the session, whose end was
   * already announced.
   */
  @Nullable String credential(Refresh.Snapshot before, Events events) throws IOException {
    synchronized (this) {
      boolean present =
          stored.isPresent(events) || (!stored.isBodyToken() && before.state.token != null);
      if (sessionEpoch != before.sessionEpoch || !present) {
        throw new IOException("There is no session to refresh.");
      }
      // The cookies to present, read now, in this epoch: the jar may belong to a new owner by the
      // time the call's cookies are read, after the app's interceptors.
      before.cookies = cookieJar.snapshot(events);
      before.dpopKey = stored.dpopKey();
      if (calls.dpop != null && before.dpopKey == null) {
        DpopKey.Unusable missing = new DpopKey.Unusable("The session has no DPoP key.", null);
        endForKey(missing, events);
        throw missing;
      }
      return stored.presented();
    }
  }

  /**
   * Stores the refresh's credential, then its token, then makes the token current. A change of
   * owner since the refresh began discards everything; a manual token change discards only the
   * token. A store failure fails the refresh: the token is never released before the credential is
   * durable.
   */
  String commit(
      Refresh.Snapshot before,
      SessionCookieJar.Staging staging,
      AuthCalls.Grant grant,
      Events events)
      throws IOException {
    String accessToken = grant.tokens.accessToken();
    synchronized (this) {
      if (sessionEpoch != before.sessionEpoch) {
        throw new IOException("The session ended during the refresh; its result was discarded.");
      }
      stored.rotate(staging, grant.tokens.refreshToken(), events);
      calls.clockOffset(grant.clockOffsetMillis);
      TokenState current = state;
      if (tokenEpoch != before.tokenEpoch) {
        // The app set the token meanwhile: its token stands, and the waiting calls replay with it.
        if (current != null && current.token != null) return current.token;
        throw new IOException("The app cleared the access token during the refresh.");
      }
      stored.saveAccessToken(accessToken, events);
      current(received(grant, before.dpopKey));
    }
    events.refreshed(accessToken);
    return accessToken;
  }

  /** The state of a granted token: DPoP-bound to {@code key} unless the answer said Bearer. */
  private TokenState received(AuthCalls.Grant grant, @Nullable DpopKey key) {
    TokenGrant tokens = grant.tokens;
    return TokenState.received(
        tokens.accessToken(),
        serverTimeMillis(),
        tokens.expiresInMillis(),
        tokens.isBearer() ? null : key);
  }

  /** After a failed refresh: the cookie the server set stands (it may have rotated already). */
  void keepRotation(
      Refresh.Snapshot before,
      SessionCookieJar.Staging staging,
      Events events,
      IOException failure) {
    synchronized (this) {
      if (sessionEpoch != before.sessionEpoch) return;
      try {
        stored.rotate(staging, AuthResponseException.rotatedIn(failure), events);
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  /** Ends the session after a rejected refresh; returns false if it had already changed owner. */
  synchronized boolean expire(Refresh.Snapshot before, Events events) {
    if (sessionEpoch != before.sessionEpoch) return false;
    try {
      clear(false, events);
    } catch (IOException e) {
      // Reported; memory is cleared, and a stale stored pair costs one rejected refresh at most.
    }
    return true;
  }

  /**
   * Ends the session once when its DPoP key cannot sign (a keystore key wiped or invalidated):
   * every proof would be refused. Does nothing if {@code key} is no longer the session's.
   */
  void dpopKeyFailed(DpopKey key, IOException failure) {
    Events events = new Events(listener);
    synchronized (this) {
      if (stored.dpopKey() == key) endForKey(failure, events);
    }
    events.fire();
  }

  /** As {@link #dpopKeyFailed}, for a refresh that began in {@code before}'s session. */
  synchronized void dpopKeyFailed(Refresh.Snapshot before, IOException failure, Events events) {
    if (sessionEpoch == before.sessionEpoch) endForKey(failure, events);
  }

  /** After a read of the store: ends a session whose key was lost; returns true if it did. */
  private boolean endIfKeyLost(Events events) {
    DpopKey.Unusable lost = stored.keyLost();
    if (lost == null) return false;
    endForKey(lost, events);
    return true;
  }

  /** Ends the session for its key: a storage error, then the end of the session, once each. */
  private void endForKey(IOException failure, Events events) {
    events.storageError(failure);
    try {
      clear(false, events);
    } catch (IOException e) {
      failure.addSuppressed(e); // Memory is signed out; what the store kept has no key.
    }
    events.sessionExpired();
  }

  /** Replaces the token by the app's decision; a refresh in flight will not overwrite it. */
  void setAccessToken(@Nullable String token) throws IOException {
    Events events = new Events(listener);
    try (Closeable lock = stores.lock(events)) {
      synchronized (this) {
        loaded(events);
        tokenEpoch++;
        current(
            TokenState.received(
                token, serverTimeMillis(), TokenGrant.UNKNOWN_LIFETIME, stored.dpopKey()));
        refresher.reset();
        stored.saveAccessToken(token, events);
      }
    } finally {
      events.fire();
    }
  }

  /**
   * Login and sign-in: a new owner's pair, its credential stored before its access token. All or
   * nothing: when a store fails, the session is left signed out (the previous owner's session has
   * ended either way), so that no refresh ever pairs one owner's credential with another's token.
   */
  void newOwner(
      SessionCookieJar.@Nullable Staging staging, AuthCalls.Grant grant, @Nullable DpopKey key)
      throws IOException {
    Events events = new Events(listener);
    String accessToken = grant.tokens.accessToken();
    try (Closeable lock = stores.lock(events)) {
      synchronized (this) {
        loaded(events);
        newEpoch();
        try {
          stored.replace(staging, grant.tokens.refreshToken(), key, events);
          stored.saveAccessToken(accessToken, events);
        } catch (IOException e) {
          try {
            clear(false, events);
          } catch (IOException again) {
            e.addSuppressed(again); // Memory is signed out; the store may keep a part.
          }
          throw e;
        }
        if (grant.clockOffsetMillis != AuthCalls.Grant.UNKNOWN_OFFSET) {
          calls.clockOffset(grant.clockOffsetMillis);
        }
        current(received(grant, key));
      }
    } finally {
      events.fire();
    }
  }

  /** The DPoP key for a new sign-in (the app's, or a new one), or null when DPoP is off. */
  @Nullable DpopKey newDpopKey() throws IOException {
    return calls.dpop != null ? calls.dpop.newKey() : null;
  }

  /** What logout must still tell the server, once every lock is released. */
  private static final class Ended {
    /** The cookie protocol's token, posted to the logout endpoint; else none. */
    TokenState token = TokenState.NONE;

    List<Cookie> cookies = java.util.Collections.emptyList();

    /** The refresh token to revoke (RFC 7009), or null. */
    @Nullable String refreshToken;

    /** The ended session's DPoP key, for the proofs of those calls, or null. */
    @Nullable DpopKey dpopKey;

    @Nullable IOException failure;
  }

  /**
   * Logout: ends the session here, under the store's lock; then, outside every lock, tells the
   * server: the cookie protocol posts the ended session's credentials to the logout endpoint (best
   * effort), and a protocol with revocation revokes the refresh token (a failure is reported to the
   * listener and thrown, never retried).
   */
  void logout() throws IOException {
    Ended ended = end();
    if (ended.token.token != null || !ended.cookies.isEmpty()) {
      calls.logout(ended.token, ended.cookies);
    }
    IOException failure = ended.failure;
    if (ended.refreshToken != null) {
      try {
        calls.revoke(ended.refreshToken, ended.dpopKey);
      } catch (IOException e) {
        Events events = new Events(listener);
        events.revocationFailed(e);
        events.fire();
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) throw failure;
  }

  private Ended end() throws IOException {
    Events events = new Events(listener);
    Ended ended = new Ended();
    try (Closeable lock = stores.lock(events)) {
      synchronized (this) {
        TokenState current = loaded(events);
        if (stores.isShared()) {
          try {
            stored.reload(); // Another process may have rotated: revoke and post what is current.
          } catch (IOException e) {
            ended.failure = events.storage(e);
          }
        }
        if (!stored.isBodyToken()) {
          ended.token = current;
          ended.cookies = cookieJar.forRequest(calls.logoutUrl, events);
        } else if (calls.revokes()) {
          ended.refreshToken = stored.presented();
        }
        ended.dpopKey = stored.dpopKey();
        try {
          clear(true, events);
        } catch (IOException e) {
          if (ended.failure == null) ended.failure = e;
        }
      }
    } finally {
      events.fire();
    }
    return ended;
  }

  /** Forgets both tokens, in memory first; a new epoch discards every refresh in flight. */
  private void clear(boolean allCookies, Events events) throws IOException {
    newEpoch();
    state = TokenState.NONE;
    stored.forget(allCookies, events);
  }

  /**
   * A change of owner: every refresh in flight and every request sent so far belong to the past.
   */
  private void newEpoch() {
    sessionEpoch++;
    epochTokens = EpochTokens.EMPTY;
    refresher.reset();
  }

  /** Makes {@code next} the current token of this epoch. With this lock held. */
  private void current(TokenState next) {
    state = next;
    if (next.token != null) epochTokens = epochTokens.with(next.token);
  }

  /** The current session epoch, for a request sent without a token. */
  int sessionEpoch() {
    return sessionEpoch;
  }

  /**
   * Returns true if a request that carried {@code sent} (null: none, in {@code epochWhenUnsigned})
   * was sent in the session that is current now, so that replaying it stays within that session.
   */
  boolean isCurrentSession(@Nullable String sent, int epochWhenUnsigned) {
    if (sent == null) return epochWhenUnsigned == sessionEpoch;
    return epochTokens.contains(sent);
  }

  /** Returns the current state, reading the store the first time. */
  private TokenState loaded(Events events) {
    TokenState current = state;
    if (current == null) {
      String token = stored.load(events);
      boolean ended = endIfKeyLost(events);
      current = ended ? TokenState.NONE : TokenState.loaded(token, stored.dpopKey());
      if (!ended && stored.unreadable() && !stored.isPresent(events)) {
        // The store lost the session it held (a keystore key gone, a corrupt record): it has ended,
        // once. A refresh credential still readable carries it on instead.
        events.sessionExpired();
      }
      current(current);
    }
    return current;
  }
}
