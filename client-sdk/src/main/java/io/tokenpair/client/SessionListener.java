package io.tokenpair.client;

import java.io.IOException;

/**
 * Observes the life of a session: each successful token refresh, the end of the session when the
 * server rejects the refresh token, and failures of the stores.
 *
 * <p>Every method has an empty default implementation, so implement only what you need. Each event
 * is delivered once, on the thread that caused it (the SDK's refresh thread for refreshes, OkHttp's
 * threads for cookie reads, the app's thread for login and logout), after the new state is stored
 * and after the SDK has released every lock it holds, so a listener may call back into the SDK. The
 * events of a refresh run before the calls that wait for that refresh are released: keep them quick
 * and hand slow work to your own executor (or, on Android, post to the main thread). A call made
 * from them that needs a refresh fails at once rather than wait for the refresh that is running it.
 * A {@link RuntimeException} thrown by a listener is caught and discarded so that it cannot corrupt
 * the session state.
 *
 * <p>Implementations must be safe for concurrent use.
 */
public interface SessionListener {
  /** The default listener, which ignores every event. */
  SessionListener NONE = new SessionListener() {};

  /**
   * A refresh succeeded. The rotated refresh cookie and {@code accessToken} are already stored.
   *
   * @param accessToken the new access token, never null. Treat it as a secret: do not log it.
   */
  default void onRefreshed(String accessToken) {}

  /**
   * The server rejected the refresh token (HTTP 400, 401 or 403 from the refresh endpoint). The
   * access token and the refresh cookie are already cleared; the user must sign in again. Called
   * once per rejected refresh, however many calls were waiting for it.
   */
  default void onSessionExpired() {}

  /**
   * A store could not be read or written. An unreadable store counts as signed out; a failed write
   * leaves the new state in memory, so this process continues, but a restart may find the previous
   * state.
   *
   * @param error what failed; its message never contains tokens.
   */
  default void onStorageError(IOException error) {}

  /**
   * {@link TokenPairAuth#logout()} could not revoke the refresh token at the server ({@link
   * OAuth2RefreshProtocol#withRevocation}): the call failed, or the server answered other than 200.
   * The session has ended on this device all the same, and {@code logout()} throws {@code error};
   * the refresh token may stay valid at the server until it expires. Not retried.
   *
   * @param error what failed; its message never contains tokens.
   */
  default void onRevocationFailed(IOException error) {}

  /**
   * A refresh ended, however it ended: once per refresh, after the other events of that refresh,
   * with why it ran, its outcome, its duration and how many calls waited for it. For metrics and
   * logs; the event holds no token.
   *
   * @param event what happened.
   */
  default void onRefreshEvent(RefreshEvent event) {}
}
