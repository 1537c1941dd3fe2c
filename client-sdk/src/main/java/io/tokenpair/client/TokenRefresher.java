package io.tokenpair.client;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Runs at most one token refresh at a time and shares its outcome with every caller that asks while
 * it runs (single flight), then reuses the fresh token for a short grace window so that a burst of
 * late failures does not refresh again.
 *
 * <p>{@link #tryRefresh(String)} returns the running refresh's token when one is in flight; else
 * the last token, when it was obtained less than the grace window ago and is not the token that
 * just failed; else it starts a new refresh. It knows nothing about HTTP, so it works with any
 * client: give it a {@link RefreshFunction} that obtains a new access token. {@link TokenPairAuth}
 * uses one internally.
 *
 * <p>The refresh function runs on the refresher's own thread, never on a caller's. A caller that is
 * interrupted, or whose wait times out, stops waiting; the refresh finishes and its result is kept
 * for everyone else.
 *
 * <p>Callers block until the refresh finishes, fails, or the wait timeout passes. Failures are
 * shared: every waiter gets an {@link IOException} whose cause is the refresh function's exception.
 * A failed refresh leaves no token in the grace window, so the next call tries again.
 *
 * <p>This class is thread-safe.
 */
public final class TokenRefresher {
  /** Obtains a new access token, for example by calling a refresh endpoint. */
  public interface RefreshFunction {
    /**
     * Returns a new access token, never null. Called on the refresher's own thread, never twice at
     * once.
     *
     * @return the new token.
     * @throws IOException when no token could be obtained; every waiting caller receives it as the
     *     cause of its own exception.
     */
    String refresh() throws IOException;
  }

  /** How often a waiting caller that may be canceled looks whether it was. */
  static final long CANCEL_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final FlightFunction refreshFunction;
  private final long graceWindowNanos;
  private final long awaitTimeoutNanos;
  private final Executor executor;
  private final Clock clock;

  /** The refresh in flight, or null. Guarded by this. */
  private @Nullable FutureTask<String> running;

  /** What {@link #running} knows of itself, or null. Guarded by this. */
  private @Nullable Flight runningFlight;

  /**
   * The token of the last successful refresh, or null after a failure or {@link #reset()}. Guarded
   * by this.
   */
  private @Nullable String lastToken;

  /** {@link Clock#nanoTime()} when {@link #lastToken} was obtained. Guarded by this. */
  private long lastTokenAtNanos;

  /** How many times {@link #reset()} ran. Guarded by this. */
  private int resets;

  /** The callers waiting for a refresh now. */
  private final AtomicInteger waiters = new AtomicInteger();

  /**
   * Creates a refresher whose callers wait for the refresh without a time limit; bound the refresh
   * itself instead, for example with a call timeout.
   *
   * @param refreshFunction obtains new tokens.
   * @param graceWindow how long a fresh token is handed out without refreshing again; 0 disables
   *     the window.
   * @param unit the unit of {@code graceWindow}.
   */
  public TokenRefresher(RefreshFunction refreshFunction, long graceWindow, TimeUnit unit) {
    this(refreshFunction, graceWindow, 0, unit);
  }

  /**
   * Creates a refresher.
   *
   * @param refreshFunction obtains new tokens.
   * @param graceWindow how long a fresh token is handed out without refreshing again; 0 disables
   *     the window.
   * @param awaitTimeout how long a caller waits for a refresh before it gives up with an {@link
   *     InterruptedIOException}; 0 waits without limit. The refresh itself is not cancelled.
   * @param unit the unit of both durations.
   */
  public TokenRefresher(
      RefreshFunction refreshFunction, long graceWindow, long awaitTimeout, TimeUnit unit) {
    this(
        checkFunction(refreshFunction),
        checkDuration(graceWindow, unit, "graceWindow"),
        checkDuration(awaitTimeout, unit, "awaitTimeout"),
        RefreshThread.newExecutor(),
        Clock.SYSTEM);
  }

  TokenRefresher(
      FlightFunction refreshFunction,
      long graceWindowNanos,
      long awaitTimeoutNanos,
      Executor executor,
      Clock clock) {
    this.refreshFunction = refreshFunction;
    this.graceWindowNanos = graceWindowNanos;
    this.awaitTimeoutNanos = awaitTimeoutNanos;
    this.executor = executor;
    this.clock = clock;
  }

  /**
   * Same as {@code tryRefresh(null)}: any token from the grace window is handed out.
   *
   * @return the new token, never null.
   * @throws IOException as {@link #tryRefresh(String)}.
   */
  public String tryRefresh() throws IOException {
    return tryRefresh(null);
  }

  /**
   * Returns a fresh access token: the result of the refresh in flight if there is one; else the
   * last refreshed token if it is younger than the grace window and differs from {@code
   * failedToken}; else the result of a new refresh.
   *
   * @param failedToken the token that the server just rejected, or null when unknown.
   * @return the new token, never null.
   * @throws InterruptedIOException when this thread is interrupted while it waits (the interrupt
   *     flag is restored), or the wait timeout passes. The refresh continues for other callers.
   * @throws IOException when the refresh failed; its cause is the refresh function's exception.
   */
  public String tryRefresh(@Nullable String failedToken) throws IOException {
    return tryRefresh(failedToken, null, false);
  }

  /**
   * As {@link #tryRefresh(String)}, telling a refresh it starts why; {@code force} skips the grace
   * window, though it still joins a refresh in flight.
   */
  String tryRefresh(@Nullable String failedToken, @Nullable Object cause, boolean force)
      throws IOException {
    return tryRefresh(failedToken, cause, force, null);
  }

  /**
   * As {@link #tryRefresh(String, Object, boolean)}, for a caller that may be canceled: it stops
   * waiting within {@link #CANCEL_CHECK_NANOS} of {@code canceled} turning true, with an {@link
   * IOException} "Canceled", as OkHttp fails a canceled call. The refresh goes on for the others.
   */
  String tryRefresh(
      @Nullable String failedToken,
      @Nullable Object cause,
      boolean force,
      @Nullable BooleanSupplier canceled)
      throws IOException {
    FutureTask<String> task;
    boolean start = false;
    synchronized (this) {
      if (running != null) {
        if (runningFlight.thread == Thread.currentThread()) {
          // Called from the refresh itself (its listener): waiting would wait for itself.
          throw new IOException("A refresh cannot wait for itself: called from its own listener.");
        }
        task = running;
        runningFlight.callers.incrementAndGet();
      } else if (!force
          && lastToken != null
          && !lastToken.equals(failedToken)
          && clock.nanoTime() - lastTokenAtNanos < graceWindowNanos) {
        return lastToken;
      } else {
        Flight flight = new Flight(cause, resets);
        task = new FutureTask<>(() -> runRefresh(flight));
        running = task;
        runningFlight = flight;
        start = true;
      }
    }
    if (start) {
      try {
        executor.execute(task);
      } catch (RejectedExecutionException e) {
        task.run(); // An executor that refuses work must not strand the waiters: run it here.
      }
    }
    return await(task, canceled);
  }

  /**
   * Forgets the grace-window token, so that the next {@link #tryRefresh} refreshes unless a refresh
   * is already in flight. Call it when the session changes by other means (sign-in, sign-out).
   */
  public synchronized void reset() {
    lastToken = null;
    resets++;
  }

  /**
   * Returns true while a refresh is in flight.
   *
   * @return whether a refresh runs now.
   */
  public synchronized boolean isRefreshing() {
    return running != null;
  }

  private String runRefresh(Flight flight) throws Exception {
    flight.thread = Thread.currentThread();
    try {
      String token = refreshFunction.refresh(flight);
      if (token == null) throw new IOException("The refresh function returned null.");
      synchronized (this) {
        if (flight.resets == resets) { // A reset since it began: its token is not for the window.
          lastToken = token;
          lastTokenAtNanos = clock.nanoTime();
        }
      }
      return token;
    } catch (Exception | Error e) {
      synchronized (this) {
        lastToken = null;
      }
      throw e;
    } finally {
      synchronized (this) {
        running = null;
        runningFlight = null;
      }
    }
  }

  /** Returns how many callers wait for a refresh now. */
  int waiters() {
    return waiters.get();
  }

  private String await(FutureTask<String> task, @Nullable BooleanSupplier canceled)
      throws IOException {
    waiters.incrementAndGet();
    try {
      return canceled == null
          ? awaitTimeoutNanos > 0 ? task.get(awaitTimeoutNanos, TimeUnit.NANOSECONDS) : task.get()
          : awaitUnlessCanceled(task, canceled);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted =
          new InterruptedIOException("Interrupted while waiting for the token refresh.");
      interrupted.initCause(e);
      throw interrupted;
    } catch (TimeoutException e) {
      InterruptedIOException timeout =
          new InterruptedIOException(
              "The token refresh did not finish within "
                  + TimeUnit.NANOSECONDS.toMillis(awaitTimeoutNanos)
                  + " ms.");
      timeout.initCause(e);
      throw timeout;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Error) throw (Error) cause;
      // Each waiter gets its own exception: a shared instance would collect everyone's stack traces
      // and suppressions.
      throw new IOException("The token refresh failed.", cause);
    } finally {
      waiters.decrementAndGet();
    }
  }

  /**
   * Waits as {@link FutureTask#get(long, TimeUnit)} does, looking every {@link #CANCEL_CHECK_NANOS}
   * whether the caller was canceled (OkHttp tells a canceled call's thread nothing).
   */
  private String awaitUnlessCanceled(FutureTask<String> task, BooleanSupplier canceled)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + awaitTimeoutNanos;
    while (true) {
      if (canceled.getAsBoolean()) throw new IOException("Canceled");
      long slice = CANCEL_CHECK_NANOS;
      if (awaitTimeoutNanos > 0) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) throw new TimeoutException();
        slice = Math.min(slice, remaining);
      }
      try {
        return task.get(slice, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        // Look at the caller again.
      }
    }
  }

  /** The refresh function as the SDK runs it: told of the refresh it performs. */
  interface FlightFunction {
    String refresh(Flight flight) throws IOException;
  }

  /** One refresh: why it started and how many callers wait for it. */
  static final class Flight {
    /** What the caller that started it said of why, or null. */
    final @Nullable Object cause;

    /** The callers that waited for it: the one that started it and those that joined. */
    final AtomicInteger callers = new AtomicInteger(1);

    /** The thread that runs it, once it runs. */
    volatile @Nullable Thread thread;

    /** {@link #resets} when it began. */
    final int resets;

    Flight(@Nullable Object cause, int resets) {
      this.cause = cause;
      this.resets = resets;
    }
  }

  private static FlightFunction checkFunction(RefreshFunction refreshFunction) {
    if (refreshFunction == null) throw new NullPointerException("refreshFunction == null");
    return flight -> refreshFunction.refresh();
  }

  private static long checkDuration(long duration, TimeUnit unit, String name) {
    if (unit == null) throw new NullPointerException("unit == null");
    if (duration < 0) throw new IllegalArgumentException(name + " < 0");
    return unit.toNanos(duration);
  }

  @Override
  public String toString() {
    return "TokenRefresher{refreshing=" + isRefreshing() + "}";
  }
}
