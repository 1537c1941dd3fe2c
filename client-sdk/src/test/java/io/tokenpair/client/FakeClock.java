package io.tokenpair.client;

import java.util.concurrent.TimeUnit;

/**
 * A clock that moves only when told to; it starts at the real wall-clock time so that OkHttp's
 * cookie expiry agrees.
 */
final class FakeClock implements Clock {
  private volatile long nanos = 1_000_000_000L;
  private volatile long millis = System.currentTimeMillis();

  @Override
  public long nanoTime() {
    return nanos;
  }

  @Override
  public long currentTimeMillis() {
    return millis;
  }

  synchronized void advance(long duration, TimeUnit unit) {
    nanos += unit.toNanos(duration);
    millis += unit.toMillis(duration);
  }
}
