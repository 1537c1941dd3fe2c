package io.tokenpair.client;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * An auth endpoint (login, refresh) answered with an HTTP status that the SDK does not accept, for
 * example a login with a wrong password (401), a bad captcha (400) or too many attempts (429).
 *
 * <p>Branch on {@link #code()} and on {@link #error()}, the machine-readable {@code error} field of
 * the server's JSON body ({@code {"code":401,"error":"invalid_credentials","message":"..."}}, or
 * RFC 6749's {@code {"error":"invalid_grant"}}) when it has one. {@link #endsSession()} tells
 * whether the server rejected the refresh credential itself, which ends the session. The message
 * never contains tokens, cookies or the response body.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class AuthResponseException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The HTTP status code. */
  private final int code;

  /** The body's {@code error} field, or null. */
  private final @Nullable String error;

  /** Whether the server rejected the refresh credential itself. */
  private final boolean endsSession;

  /** The server's {@code Retry-After} in milliseconds, or -1. */
  private final long retryAfterMillis;

  /**
   * Creates an exception for a response with an unexpected status that leaves the session as it is.
   *
   * @param operation what failed, such as {@code "Login"}.
   * @param code the HTTP status code.
   * @param error the body's {@code error} field, or null.
   */
  public AuthResponseException(String operation, int code, @Nullable String error) {
    this(operation, code, error, false, -1);
  }

  /**
   * Creates an exception for a response with an unexpected status.
   *
   * @param operation what failed, such as {@code "Refresh"}.
   * @param code the HTTP status code.
   * @param error the body's {@code error} field, or null.
   * @param endsSession true when the server rejected the refresh credential itself (such as RFC
   *     6749's {@code invalid_grant}): the SDK then ends the session.
   * @param retryAfterMillis how long the server asked the client to wait before it tries again (its
   *     {@code Retry-After}), or -1 for no such request.
   */
  public AuthResponseException(
      String operation,
      int code,
      @Nullable String error,
      boolean endsSession,
      long retryAfterMillis) {
    super(operation + " failed: HTTP " + code + (error != null ? " (" + error + ")" : "") + ".");
    this.code = code;
    this.error = error;
    this.endsSession = endsSession;
    this.retryAfterMillis = retryAfterMillis;
  }

  /**
   * Returns the HTTP status code of the response.
   *
   * @return the status, such as 401.
   */
  public int code() {
    return code;
  }

  /**
   * Returns the {@code error} field of the response's JSON body, or null when it had none.
   *
   * @return the error code, such as {@code invalid_credentials}, or null.
   */
  public @Nullable String error() {
    return error;
  }

  /**
   * Returns true when the server rejected the refresh credential itself, so the session has ended.
   *
   * @return whether the session ended.
   */
  public boolean endsSession() {
    return endsSession;
  }

  /**
   * Returns how long the server asked the client to wait before it tries again, or -1.
   *
   * @return milliseconds from the response's {@code Retry-After}, or -1 when it had none.
   */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }
}
