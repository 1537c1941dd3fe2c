package io.tokenpair.client;

import java.io.Closeable;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Cookie;
import org.jspecify.annotations.Nullable;

/**
 * The SDK's refresh function, which {@link TokenRefresher} runs one at a time on its own thread:
 * with a shared store it takes the store's lock and first looks whether another process has
 * refreshed; then it asks the {@link RefreshProtocol} through {@link AuthCalls}, hands the answer
 * to {@link Session} to commit or to end the session, and reports a {@link RefreshEvent}.
 *
 * <p>Thread-safe: its only state is the server's {@code Retry-After} back-off.
 */
final class Refresh implements TokenRefresher.FlightFunction {
  /** A token another process stored is adopted only with at least this much life left. */
  static final long MIN_ADOPTABLE_MILLIS = TimeUnit.SECONDS.toMillis(5);

  /** What a refresh saw when it began ({@link Session#begin}). Confined to the refresh. */
  static final class Snapshot {
    int sessionEpoch;
    int tokenEpoch;
    TokenState state = TokenState.NONE;
    boolean adopted;

    /** The session's cookies when it read its credential; they are the ones it presents. */
    List<Cookie> cookies = Collections.emptyList();

    /** The session's DPoP key when it read its credential, or null: it signs the proofs. */
    @Nullable DpopKey dpopKey;

    /** What the refresh call did beyond its request (nonce retries). */
    final AuthCalls.Exchange exchange = new AuthCalls.Exchange();
  }

  private final Session session;
  private final Stores stores;
  private final AuthCalls calls;
  private final long refreshAheadMillis;
  private final SessionListener listener;
  private final Clock clock;

  /**
   * {@link Clock#nanoTime()} before which the server asked not to refresh (a 429's Retry-After).
   */
  private volatile long backoffUntilNanos;

  Refresh(
      Session session,
      Stores stores,
      AuthCalls calls,
      long refreshAheadMillis,
      SessionListener listener,
      Clock clock) {
    this.session = session;
    this.stores = stores;
    this.calls = calls;
    this.refreshAheadMillis = refreshAheadMillis;
    this.listener = listener;
    this.clock = clock;
    this.backoffUntilNanos = clock.nanoTime();
  }

  @Override
  public String refresh(TokenRefresher.Flight flight) throws IOException {
    RefreshEvent.Cause cause =
        flight.cause instanceof RefreshEvent.Cause
            ? (RefreshEvent.Cause) flight.cause
            : RefreshEvent.Cause.FORCED;
    Events events = new Events(listener);
    long start = clock.nanoTime();
    RefreshEvent.Outcome outcome = RefreshEvent.Outcome.FAILED;
    IOException failure = null;
    Snapshot before = new Snapshot();
    try {
      String token = refresh(before, events);
      outcome = before.adopted ? RefreshEvent.Outcome.ADOPTED : RefreshEvent.Outcome.REFRESHED;
      return token;
    } catch (IOException e) {
      failure = e;
      if (e instanceof AuthResponseException && ((AuthResponseException) e).endsSession()
          || e instanceof DpopKey.Unusable) {
        outcome = RefreshEvent.Outcome.REJECTED;
      }
      throw e;
    } finally {
      long duration = clock.nanoTime() - start;
      events.refresh(
          new RefreshEvent(
              cause.trigger,
              cause.status,
              outcome,
              failure,
              duration,
              flight.callers.get(),
              before.dpopKey != null,
              before.exchange.nonceRetries));
      events.fire(); // After every lock: the store's was released when refresh() returned.
    }
  }

  private String refresh(Snapshot before, Events events) throws IOException {
    try (Closeable lock = stores.lock(events)) {
      session.begin(before, events);
      if (stores.isShared()) {
        String adopted = session.adopt(before, adoptable(before, events), events);
        if (adopted != null) return adopted;
      }
      String refreshToken = session.credential(before, events);
      if (clock.nanoTime() - backoffUntilNanos < 0) {
        throw new IOException("The server asked to wait before the next refresh (Retry-After).");
      }
      SessionCookieJar.Staging staging = session.cookieJar.staging(before.cookies);
      AuthCalls.Grant grant;
      try {
        grant = calls.refresh(staging, refreshToken, before.dpopKey, before.exchange);
      } catch (DpopKey.Unusable e) {
        session.dpopKeyFailed(before, e, events); // Nothing was sent.
        throw e;
      } catch (AuthResponseException e) {
        if (e.endsSession()) {
          if (session.expire(before, events)) events.sessionExpired();
        } else {
          session.keepRotation(before, staging, events, e);
          backOff(e);
        }
        throw e;
      } catch (IOException e) {
        session.keepRotation(before, staging, events, e); // The server may have rotated.
        throw e;
      }
      return session.commit(before, staging, grant, events);
    }
  }

  /**
   * Holds refreshes back for a 429's {@code Retry-After} (too many: wait as asked), at most {@link
   * AuthAnswers#MAX_RETRY_AFTER_MILLIS}, whatever the protocol reported.
   */
  private void backOff(AuthResponseException e) {
    long millis = Math.min(e.retryAfterMillis(), AuthAnswers.MAX_RETRY_AFTER_MILLIS);
    if (e.code() == 429 && millis > 0) {
      backoffUntilNanos = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }
  }

  /**
   * Re-reads the shared store: returns the access token another process stored if it is a JWT with
   * time to spare, else null, and the refresh goes to the network with the credential that process
   * stored. Tokens of unknown expiry are never adopted: one may be long dead, and the replay it
   * would cost is the request's only one.
   */
  private @Nullable TokenState adoptable(Snapshot before, Events events) {
    TokenState stored;
    try {
      stored = TokenState.loaded(stores.loadAccessToken(), null);
    } catch (IOException e) {
      events.storageError(e);
      return null;
    }
    long margin = Math.max(refreshAheadMillis, MIN_ADOPTABLE_MILLIS);
    boolean fresh =
        stored.token != null
            && !stored.token.equals(before.state.token)
            && stored.expiresAtMillis != Jwt.UNKNOWN
            && stored.expiresAtMillis - session.serverTimeMillis() > margin;
    return fresh ? stored : null;
  }
}
