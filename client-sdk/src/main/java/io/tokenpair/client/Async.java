package io.tokenpair.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@link TokenPairAuth}'s blocking operations on the SDK's own threads for their {@code
 * ...Async} forms: the caller's thread (Android's main thread, say) never waits, and the future
 * completes with the operation's result or exactly the exception it threw.
 *
 * <p>Canceling a future only releases its caller: the operation goes on, so that a login or a
 * refresh the server has answered is still kept, and a refresh shared with other callers is never
 * canceled for them.
 *
 * <p>Thread-safe.
 */
final class Async {
  /** A blocking operation. */
  interface Operation<T> {
    T run() throws Exception;
  }

  private final Executor executor;

  Async(Executor executor) {
    this.executor = executor;
  }

  /**
   * Daemon threads started on demand, as many as operations run at once, each stopped after a
   * minute without work, so an idle session leaks nothing.
   */
  static Executor newExecutor() {
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            60,
            TimeUnit.SECONDS,
            new SynchronousQueue<Runnable>(),
            runnable -> {
              Thread thread = new Thread(runnable, "tokenpair async");
              thread.setDaemon(true);
              return thread;
            });
    return executor;
  }

  /** Starts {@code operation} on the SDK's threads and returns its future at once. */
  <T> CompletableFuture<T> run(Operation<T> operation) {
    CompletableFuture<T> future = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            if (future.isDone()) return; // Canceled before it started: nothing to do.
            try {
              future.complete(operation.run());
            } catch (Throwable e) {
              future.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      future.completeExceptionally(e);
    }
    return future;
  }

  /** As {@link #run}, for an operation without a result. */
  CompletableFuture<@Nullable Void> runVoid(VoidOperation operation) {
    return run(
        () -> {
          operation.run();
          return null;
        });
  }

  /** A blocking operation without a result. */
  interface VoidOperation {
    void run() throws Exception;
  }
}
