package io.tokenpair.client;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

final class RecordingListener implements SessionListener {
  final List<String> refreshed = new CopyOnWriteArrayList<>();
  final AtomicInteger expired = new AtomicInteger();
  final List<IOException> storageErrors = new CopyOnWriteArrayList<>();
  final List<RefreshEvent> events = new CopyOnWriteArrayList<>();

  @Override
  public void onRefreshed(String accessToken) {
    refreshed.add(accessToken);
  }

  @Override
  public void onSessionExpired() {
    expired.incrementAndGet();
  }

  @Override
  public void onStorageError(IOException error) {
    storageErrors.add(error);
  }

  @Override
  public void onRefreshEvent(RefreshEvent event) {
    events.add(event);
  }
}
