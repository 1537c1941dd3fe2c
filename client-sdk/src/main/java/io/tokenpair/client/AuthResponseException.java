package io.tokenpair.client;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * An auth endpoint (login, refresh) gave an answer that the SDK does not accept: an HTTP status
 * that refuses, for example a login with a wrong password (401), a bad captcha (400) or too many
 * attempts (429); or a successful status whose answer is unusable: no token where the protocol
 * looks for one, a token that cannot be sent in an {@code Authorization} header (it must be visible
 * ASCII without spaces), or a body larger than 1 MiB, the most the SDK reads of an auth answer.
 *
 * <p>Branch on {@link #code()} (a 2xx status means an unusable answer: a misconfigured token
 * pointer, or a server that does not speak the protocol) and on {@link #error()}, the
 * machine-readable {@code error} field of the server's JSON body ({@code
 * {"code":401,"error":"invalid_credentials","message":"..."}}, or RFC 6749's {@code
 * {"error":"invalid_grant","error_description":"..."}}) when it has one. {@link #endsSession()}
 * tells whether the server rejected the refresh credential itself, which ends the session.
 *
 * <p>The message names the status, {@code error} and RFC 6749's {@code error_description} (server
 * text: control characters become spaces, and each is cut at 200 characters), or what made a
 * successful answer unusable; it never contains tokens, cookies or the rest of the body.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class AuthResponseException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The most characters of server text ({@code error}, {@code error_description}) kept. */
  private static final int MAX_SERVER_TEXT = 200;

  /** The HTTP status code. */
  private final int code;

  /** The body's {@code error} field, cleaned, or null. */
  private final @Nullable String error;

  /** The body's {@code error_description} field, cleaned, or null. */
  private final @Nullable String errorDescription;

  /** Whether the server rejected the refresh credential itself. */
  private final boolean endsSession;

  /** The server's {@code Retry-After} in milliseconds, or -1. */
  private final long retryAfterMillis;

  /**
   * A refresh token that an unusable answer brought: the server has rotated, so the SDK keeps it.
   * Never in the message; not serialized.
   */
  final transient @Nullable String rotatedRefreshToken;

  /**
   * Creates an exception for a response with an unexpected status that leaves the session as it is.
   *
   * @param operation what failed, such as {@code "Login"}.
   * @param code the HTTP status code.
   * @param error the body's {@code error} field, or null.
   */
  public AuthResponseException(String operation, int code, @Nullable String error) {
    this(operation, code, error, null, false, -1);
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
    this(operation, code, error, null, endsSession, retryAfterMillis);
  }

  /**
   * Creates an exception for a response with an unexpected status and RFC 6749's {@code
   * error_description}.
   *
   * @param operation what failed, such as {@code "Refresh"}.
   * @param code the HTTP status code.
   * @param error the body's {@code error} field, or null.
   * @param errorDescription the body's {@code error_description} field, or null: text for a
   *     developer, kept without control characters and cut at 200 characters.
   * @param endsSession true when the server rejected the refresh credential itself (such as RFC
   *     6749's {@code invalid_grant}): the SDK then ends the session.
   * @param retryAfterMillis how long the server asked the client to wait before it tries again (its
   *     {@code Retry-After}), or -1 for no such request.
   */
  public AuthResponseException(
      String operation,
      int code,
      @Nullable String error,
      @Nullable String errorDescription,
      boolean endsSession,
      long retryAfterMillis) {
    this(
        refusal(operation, code, serverText(error), serverText(errorDescription)),
        code,
        serverText(error),
        serverText(errorDescription),
        endsSession,
        retryAfterMillis,
        null,
        null);
  }

  private AuthResponseException(
      String message,
      int code,
      @Nullable String error,
      @Nullable String errorDescription,
      boolean endsSession,
      long retryAfterMillis,
      @Nullable String rotatedRefreshToken,
      @Nullable Throwable cause) {
    super(message, cause);
    this.code = code;
    this.error = error;
    this.errorDescription = errorDescription;
    this.endsSession = endsSession;
    this.retryAfterMillis = retryAfterMillis;
    this.rotatedRefreshToken = rotatedRefreshToken;
  }

  /**
   * An answer of status {@code code} that holds no usable token, explained by {@code message}
   * (which must hold no token); it may still carry the refresh token the server rotated.
   */
  static AuthResponseException unusable(
      String message, int code, @Nullable String rotatedRefreshToken, @Nullable Throwable cause) {
    return new AuthResponseException(
        message, code, null, null, false, -1, rotatedRefreshToken, cause);
  }

  /** The refresh token an unusable answer brought, or null. */
  static @Nullable String rotatedIn(IOException e) {
    return e instanceof AuthResponseException
        ? ((AuthResponseException) e).rotatedRefreshToken
        : null;
  }

  private static String refusal(
      String operation, int code, @Nullable String error, @Nullable String description) {
    String detail =
        error != null && description != null
            ? error + ": " + description
            : error != null ? error : description;
    return operation + " failed: HTTP " + code + (detail != null ? " (" + detail + ")" : "") + ".";
  }

  /**
   * Server text made safe to print: each run of whitespace, control and format characters (such as
   * a bidirectional override) becomes one space, and the text is cut at {@link #MAX_SERVER_TEXT}
   * characters, marked by {@code ...}; null for null or blank text.
   */
  private static @Nullable String serverText(@Nullable String text) {
    if (text == null) return null;
    StringBuilder clean = new StringBuilder();
    boolean space = false;
    for (int i = 0; i < text.length() && clean.length() <= MAX_SERVER_TEXT; i++) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)
          || Character.isISOControl(c)
          || Character.getType(c) == Character.FORMAT) {
        space = true;
        continue;
      }
      if (space && clean.length() > 0) clean.append(' ');
      space = false;
      clean.append(c);
    }
    if (clean.length() == 0) return null;
    if (clean.length() <= MAX_SERVER_TEXT) return clean.toString();
    int end = MAX_SERVER_TEXT;
    if (Character.isHighSurrogate(clean.charAt(end - 1))) end--;
    return clean.substring(0, end) + "...";
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
   * Returns RFC 6749's {@code error_description} field of the response's JSON body, or null when it
   * had none: text for a developer, not for branching, without control characters and at most 200
   * characters long (then ending in {@code ...}).
   *
   * @return the description, such as {@code Missing client_id}, or null.
   */
  public @Nullable String errorDescription() {
    return errorDescription;
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
