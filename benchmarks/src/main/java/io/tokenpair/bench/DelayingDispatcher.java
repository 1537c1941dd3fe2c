package io.tokenpair.bench;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * Wraps a dispatcher: every answer waits {@code latencyMillis} (an emulated network delay), and
 * answers to {@code /auth/refresh} wait {@code refreshMillis} more (a slow token endpoint). The
 * wait is a sleep on the connection's own server thread, so it costs no CPU.
 */
final class DelayingDispatcher extends Dispatcher {
  private final Dispatcher delegate;
  private final long refreshMillis;
  private final long latencyMillis;

  DelayingDispatcher(Dispatcher delegate, long refreshMillis, long latencyMillis) {
    this.delegate = delegate;
    this.refreshMillis = refreshMillis;
    this.latencyMillis = latencyMillis;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
    long wait = latencyMillis;
    if (request.getUrl().encodedPath().equals("/auth/refresh")) wait += refreshMillis;
    if (wait > 0) Thread.sleep(wait);
    return delegate.dispatch(request);
  }
}
