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
