package io.tokenpair.client;

import java.io.IOException;

/**
 * Wraps the app's listener so that its exceptions cannot corrupt the session state. Thread-safe if
 * the app's is.
 */
final class SafeListener implements SessionListener {
  private final SessionListener delegate;

  SafeListener(SessionListener delegate) {
    this.delegate = delegate;
  }

  @Override
  public void onRefreshed(String accessToken) {
    try {
      delegate.onRefreshed(accessToken);
    } catch (RuntimeException ignored) {
      // A broken listener must not turn a good refresh into a failed one.
    }
  }

  @Override
  public void onSessionExpired() {
    try {
      delegate.onSessionExpired();
    } catch (RuntimeException ignored) {
      // Likewise.
    }
  }

  @Override
  public void onStorageError(IOException error) {
    try {
      delegate.onStorageError(error);
    } catch (RuntimeException ignored) {
      // Likewise.
    }
  }
}
