package io.tokenpair.demo;

/**
 * The session store could not be reached or failed: the database is down, the file is unreadable,
 * or the store waited too long for a lock. The caller should answer 503 and let the client retry;
 * it says nothing about the session itself.
 */
public final class SessionStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SessionStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
