package io.tokenpair.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.client.RefreshEvent;
import io.tokenpair.client.SessionListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts what the SDK reports. Its events fire on the refreshing thread after the refresh, so
 * possibly after the waiting calls have returned: {@link #awaitEvents} waits for them (bounded).
 * Thread-safe.
 */
final class RecordingListener implements SessionListener {
  final AtomicInteger refreshed = new AtomicInteger();
  final AtomicInteger expired = new AtomicInteger();
  final AtomicInteger revocationFailures = new AtomicInteger();
  private final BlockingQueue<RefreshEvent> events = new LinkedBlockingQueue<>();

  /** Waits for the next {@code count} refresh events; then none may be left over. */
  List<RefreshEvent> awaitEvents(int count) throws InterruptedException {
    List<RefreshEvent> received = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      RefreshEvent event = events.poll(10, TimeUnit.SECONDS);
      if (event == null) break;
      received.add(event);
    }
    assertThat(events).as("refresh events beyond %d", count).isEmpty();
    return received;
  }

  @Override
  public void onRefreshed(String accessToken) {
    refreshed.incrementAndGet();
  }

  @Override
  public void onSessionExpired() {
    expired.incrementAndGet();
  }

  @Override
  public void onRevocationFailed(IOException error) {
    revocationFailures.incrementAndGet();
  }

  @Override
  public void onRefreshEvent(RefreshEvent event) {
    events.add(event);
  }
}
