package io.tokenpair.client;

/** Test helper: waits, without sleeping, until callers wait for a {@link TokenRefresher}. */
final class Waiters {
  private Waiters() {}

  /** Spins (yielding) until at least {@code n} callers wait for {@code refresher}'s refresh. */
  static void awaitRefreshWaiters(TokenRefresher refresher, int n) {
    while (refresher.waiters() < n) Thread.yield();
  }
}
