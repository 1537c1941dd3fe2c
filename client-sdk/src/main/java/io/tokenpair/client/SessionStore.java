package io.tokenpair.client;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * A store for the access token and the cookies that several processes may share, such as two
 * instances of a desktop app. Give it to {@link TokenPairAuth.Builder#sessionStore}.
 *
 * <p>Refresh tokens rotate: a refresh with a refresh token that another process already used trips
 * the server's reuse detection and revokes the session. So the SDK takes this store's {@linkplain
 * #lock() lock} around every change of the refresh credential (refresh, sign-in, sign-out, the end
 * of the session) and around a manual token change, and re-reads the store after taking it. It
 * waits for the lock at most its refresh timeout ({@link #lock(long, TimeUnit)}). When another
 * process refreshed in the meantime, the SDK adopts its still-fresh access token instead of
 * refreshing, or else refreshes with the current refresh cookie. The lock is held across the
 * refresh call, never across login or logout calls, and never on OkHttp's threads: cookies that the
 * app's own responses set are kept in memory at once and written by a background task that takes
 * the lock.
 *
 * <p>Because the SDK re-reads the store, it must keep every cookie it is given, session cookies
 * (without an expiry) included, and load them back as session cookies: a session cookie the store
 * dropped would be gone at the next refresh, and with it a refresh cookie set without {@code
 * Max-Age}. A session store exists to carry the session across re-reads, processes and restarts.
 *
 * <p>Only a store given to {@link TokenPairAuth.Builder#sessionStore} is shared this way; the same
 * object given to {@code tokenStore} or {@code cookieStore} is used as a plain store, never locked.
 *
 * <p>{@link FileSessionStore} is the ready implementation for desktop apps.
 *
 * <p>Implementations must be safe for concurrent use by threads and processes.
 */
public interface SessionStore extends TokenStore, CookieStore {
  /**
   * Blocks until this thread holds the store's lock, which excludes every other thread and process
   * that shares the store, and returns the handle that releases it. The lock is reentrant: a thread
   * that holds it may take it again, and releases it when every handle is closed. The handle must
   * be closed on the thread that took it. An implementation may bound the wait and fail after it.
   *
   * @return the handle; closing it releases this hold.
   * @throws IOException if the lock cannot be taken. {@link java.io.InterruptedIOException} if the
   *     thread is interrupted while it waits.
   */
  Closeable lock() throws IOException;

  /**
   * As {@link #lock()}, waiting at most {@code timeout}: the SDK takes the lock this way, with its
   * {@linkplain TokenPairAuth.Builder#refreshTimeout refresh timeout}, so that a process that holds
   * the lock for too long (stopped in a debugger, or hostile) fails the refresh, login or logout
   * that waits for it instead of stalling it forever. Implement it if the lock can be held by
   * anything outside the app's control. The default calls {@link #lock()}, and so waits as long as
   * it does.
   *
   * @param timeout the longest wait, more than 0.
   * @param unit the unit of {@code timeout}.
   * @return the handle; closing it releases this hold.
   * @throws IOException if the lock cannot be taken in time; the message should name the lock.
   *     {@link java.io.InterruptedIOException} if the thread is interrupted while it waits.
   */
  default Closeable lock(long timeout, TimeUnit unit) throws IOException {
    return lock();
  }
}
