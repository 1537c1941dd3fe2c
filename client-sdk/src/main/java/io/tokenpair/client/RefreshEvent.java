package io.tokenpair.client;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One refresh, reported to {@link SessionListener#onRefreshEvent} once, after it ended and after
 * the SDK released every lock: why it ran, how it ended, how long it took and how many calls waited
 * for it. For metrics and logs, in the spirit of OkHttp's {@code EventListener}. It holds no token
 * or credential.
 *
 * <p>Immutable and thread-safe.
 */
public final class RefreshEvent {
  /** Why a refresh ran. */
  public enum Trigger {
    /** A token was about to expire, or had expired by the estimate of the server's clock. */
    AHEAD_OF_EXPIRY,
    /** A call failed with an expired status ({@link RefreshEvent#status()}). */
    EXPIRED_STATUS,
    /** The app called {@link TokenPairAuth#forceRefresh()}. */
    FORCED,
    /**
     * The first call after a start that found a stored session with no token, or with one that had
     * lapsed meanwhile.
     */
    COLD_START
  }

  /** How a refresh ended. */
  public enum Outcome {
    /** The server granted a new access token. */
    REFRESHED,
    /** Another process that shares the session store had refreshed; its token was adopted. */
    ADOPTED,
    /** The server rejected the refresh credential: the session ended. */
    REJECTED,
    /** A transient failure (network, 5xx, 429, a store, a malformed answer); the session stays. */
    FAILED
  }

  private final Trigger trigger;
  private final int status;
  private final Outcome outcome;
  private final @Nullable IOException failure;
  private final long durationNanos;
  private final int waiters;
  private final boolean dpopBound;
  private final int dpopNonceRetries;

  RefreshEvent(
      Trigger trigger,
      int status,
      Outcome outcome,
      @Nullable IOException failure,
      long durationNanos,
      int waiters,
      boolean dpopBound,
      int dpopNonceRetries) {
    this.dpopBound = dpopBound;
    this.dpopNonceRetries = dpopNonceRetries;
    this.trigger = trigger;
    this.status = status;
    this.outcome = outcome;
    this.failure = failure;
    this.durationNanos = durationNanos;
    this.waiters = waiters;
  }

  /**
   * Returns why the refresh ran.
   *
   * @return the trigger.
   */
  public Trigger trigger() {
    return trigger;
  }

  /**
   * Returns the expired status that triggered the refresh, such as 401 or 419; 0 for other
   * triggers.
   *
   * @return the status, or 0.
   */
  public int status() {
    return status;
  }

  /**
   * Returns how the refresh ended.
   *
   * @return the outcome.
   */
  public Outcome outcome() {
    return outcome;
  }

  /**
   * Returns what failed, for {@link Outcome#FAILED} and {@link Outcome#REJECTED} (an {@link
   * AuthResponseException} for an answer that refused); null otherwise. Its message holds no token.
   *
   * @return the failure, or null.
   */
  public @Nullable IOException failure() {
    return failure;
  }

  /**
   * Returns how long the refresh took, waiting for another process's lock included.
   *
   * @return nanoseconds.
   */
  public long durationNanos() {
    return durationNanos;
  }

  /**
   * Returns how many calls waited for this refresh: the one that started it and those that joined
   * it while it ran.
   *
   * @return the number of waiting calls, at least 1.
   */
  public int waiters() {
    return waiters;
  }

  /**
   * Returns whether the refresh request carried a DPoP proof of the session's key ({@link
   * TokenPairAuth.Builder#dpop()}); false for an adopted token and when no request was made.
   *
   * @return whether the refresh was DPoP-bound.
   */
  public boolean dpopBound() {
    return dpopBound;
  }

  /**
   * Returns how many times the refresh request was sent again with a new DPoP nonce after the token
   * endpoint asked for one ({@code use_dpop_nonce}): 0 or 1 for each request sent, counted apart
   * from refreshes.
   *
   * @return the nonce retries, 0 or more.
   */
  public int dpopNonceRetries() {
    return dpopNonceRetries;
  }

  @Override
  public String toString() {
    return "RefreshEvent{"
        + trigger
        + (status != 0 ? " " + status : "")
        + " -> "
        + outcome
        + (failure != null ? " (" + failure.getClass().getSimpleName() + ")" : "")
        + ", "
        + TimeUnit.NANOSECONDS.toMillis(durationNanos)
        + " ms, waiters="
        + waiters
        + (dpopBound ? ", dpop, nonce retries=" + dpopNonceRetries : "")
        + "}";
  }

  /** Why a refresh starts, as the caller that starts it knows. */
  static final class Cause {
    static final Cause AHEAD = new Cause(Trigger.AHEAD_OF_EXPIRY, 0);
    static final Cause FORCED = new Cause(Trigger.FORCED, 0);
    static final Cause COLD_START = new Cause(Trigger.COLD_START, 0);

    final Trigger trigger;
    final int status;

    private Cause(Trigger trigger, int status) {
      this.trigger = trigger;
      this.status = status;
    }

    static Cause expiredStatus(int status) {
      return new Cause(Trigger.EXPIRED_STATUS, status);
    }
  }
}
