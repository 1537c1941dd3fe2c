package io.tokenpair.client;

/**
 * Test helper: waits, without sleeping, until threads are parked waiting for a {@link
 * TokenRefresher}.
 */
final class Waiters {
  private Waiters() {}

  /** Spins (yielding) until at least {@code n} threads wait inside {@code TokenRefresher.await}. */
  static void awaitRefreshWaiters(int n) {
    while (count() < n) Thread.yield();
  }

  static int count() {
    int waiting = 0;
    for (StackTraceElement[] stack : Thread.getAllStackTraces().values()) {
      for (StackTraceElement frame : stack) {
        if (frame.getMethodName().equals("await")
            && frame.getClassName().equals(TokenRefresher.class.getName())) {
          waiting++;
          break;
        }
      }
    }
    return waiting;
  }
}
