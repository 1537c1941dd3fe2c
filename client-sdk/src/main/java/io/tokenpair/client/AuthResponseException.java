package io.tokenpair.client;

import java.io.IOException;

/**
 * An auth endpoint (login, refresh) answered with an HTTP status that the SDK does not accept, for
 * example a login with a wrong password (401), a bad captcha (400) or too many attempts (429).
 *
 * <p>Branch on {@link #code()} and on {@link #error()}, the machine-readable {@code error} field of
 * the server's JSON envelope ({@code {"code":401,"error":"invalid_credentials","message":"..."}})
 * when it has one. The message never contains tokens, cookies or the response body.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class AuthResponseException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The HTTP status code. */
  private final int code;

  /** The envelope's {@code error} field, or null. */
  private final String error;

  /**
   * Creates an exception for a response with an unexpected status.
   *
   * @param operation what failed, such as {@code "Login"}.
   * @param code the HTTP status code.
   * @param error the envelope's {@code error} field, or null.
   */
  public AuthResponseException(String operation, int code, String error) {
    super(operation + " failed: HTTP " + code + (error != null ? " (" + error + ")" : "") + ".");
    this.code = code;
    this.error = error;
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
  public String error() {
    return error;
  }
}
