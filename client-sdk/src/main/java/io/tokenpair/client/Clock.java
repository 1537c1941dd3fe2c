package io.tokenpair.client;

/**
 * The two time sources the SDK reads: a monotonic one for durations and the wall clock for token
 * and cookie expiry. Tests inject a fake through package-private constructors; production code uses
 * {@link #SYSTEM}.
 */
interface Clock {
  /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
  long nanoTime();

  /** Wall-clock milliseconds since the epoch, as {@link System#currentTimeMillis()}. */
  long currentTimeMillis();

  /**
   * Whether the {@code Date} headers of responses tell the server's time on this clock's scale.
   * False for a test clock shared with a server whose HTTP layer stamps the real time; the token's
   * {@code iat} is then the only measure of the server's clock.
   */
  default boolean readsDateHeaders() {
    return true;
  }

  Clock SYSTEM =
      new Clock() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
          return System.currentTimeMillis();
        }
      };
}
