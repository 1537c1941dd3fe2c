package io.tokenpair.client;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The SDK's own thread, for refreshes and background store writes. */
final class RefreshThread {
  private RefreshThread() {}

  /**
   * One daemon thread, started on demand and stopped after a minute without work, so idle sessions
   * leak nothing.
   */
  static ThreadPoolExecutor newExecutor() {
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            1,
            1,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<Runnable>(),
            runnable -> {
              Thread thread = new Thread(runnable, "tokenpair refresh");
              thread.setDaemon(true);
              return thread;
            });
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }
}
