package io.tokenpair.client;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The listener calls of one operation, collected while the SDK holds its locks and {@linkplain
 * #fire() fired} once each, in order, after every lock is released, as OkHttp does for its {@code
 * EventListener}. A listener that throws cannot break the operation or the calls after it.
 *
 * <p>Confined to the thread of the operation it serves.
 */
final class Events {
  private final SessionListener listener;
  private final List<Runnable> pending = new ArrayList<>(2);

  Events(SessionListener listener) {
    this.listener = listener;
  }

  void refreshed(String accessToken) {
    pending.add(() -> listener.onRefreshed(accessToken));
  }

  void sessionExpired() {
    pending.add(listener::onSessionExpired);
  }

  void storageError(IOException error) {
    pending.add(() -> listener.onStorageError(error));
  }

  /** Records {@code error} as a storage error and returns it, for {@code throw}. */
  IOException storage(IOException error) {
    storageError(error);
    return error;
  }

  void revocationFailed(IOException error) {
    pending.add(() -> listener.onRevocationFailed(error));
  }

  void refresh(RefreshEvent event) {
    pending.add(() -> listener.onRefreshEvent(event));
  }

  /** Calls the listener for each collected event, then forgets them. Call with no lock held. */
  void fire() {
    for (Runnable event : pending) {
      try {
        event.run();
      } catch (RuntimeException ignored) {
        // A broken listener must not turn a good refresh into a failed one.
      }
    }
    pending.clear();
  }
}
