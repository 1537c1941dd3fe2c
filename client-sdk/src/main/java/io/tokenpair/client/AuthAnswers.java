package io.tokenpair.client;

import java.io.IOException;
import java.util.Date;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * Reading the JSON answers of auth endpoints: tokens at a pointer, the {@code error} fields, and
 * {@code Retry-After}. Parse errors never quote the body, which may hold a token. Thread-safe.
 */
final class AuthAnswers {
  /**
   * The most bytes of an auth answer's body that the SDK reads (after decompression): a longer
   * answer is refused, so a broken or hostile server cannot exhaust the app's memory.
   */
  static final int MAX_BODY_BYTES = 1024 * 1024;

  /**
   * The longest wait a {@code Retry-After} imposes, in either form: a typo or a device clock far
   * from the server's never holds refreshes back for longer.
   */
  static final long MAX_RETRY_AFTER_MILLIS = TimeUnit.HOURS.toMillis(1);

  private static final JsonPointer ERROR_DESCRIPTION = JsonPointer.compile("/error_description");

  private AuthAnswers() {}

  /** The JSON body of {@code response}; {@link Json#MISSING} when it is not JSON. */
  static Object json(Response response) {
    try {
      return Json.parse(response.peekBody(MAX_BODY_BYTES).byteStream());
    } catch (IOException | RuntimeException e) {
      return Json.MISSING;
    }
  }

  /** The text at {@code pointer}, or an exception naming what is missing. */
  static String text(Object root, JsonPointer pointer, String operation, String what)
      throws IOException {
    String text = optionalText(root, pointer);
    if (text == null) {
      if (root == Json.MISSING) {
        throw new IOException("The " + lower(operation) + " response is not JSON.");
      }
      throw new IOException(
          "The " + lower(operation) + " response has no " + what + " at " + pointer + ".");
    }
    return text;
  }

  /** The text at {@code pointer}, or null. */
  static @Nullable String optionalText(Object root, JsonPointer pointer) {
    String text = Json.text(Json.at(root, pointer));
    return text != null && !text.isEmpty() ? text : null;
  }

  /** Returns the {@code error} field of a JSON error body, or null. */
  static @Nullable String error(Response response) {
    return Json.text(Json.get(json(response), "error"));
  }

  /**
   * The exception for a refused answer: {@code endsSession} when the credential was rejected, with
   * the body's RFC 6749 {@code error_description} and the server's {@code Retry-After}.
   */
  static AuthResponseException refused(
      String operation, Response response, @Nullable String error, boolean endsSession) {
    return new AuthResponseException(
        operation,
        response.code(),
        error,
        optionalText(json(response), ERROR_DESCRIPTION),
        endsSession,
        retryAfterMillis(response));
  }

  /**
   * {@code Retry-After} in milliseconds from when the answer was sent, or -1 if absent: seconds, or
   * an HTTP date measured on the server's own clock (the answer's {@code Date}, which is also what
   * the SDK's estimate of the server's clock is taken from), or on this device's when the answer
   * has no {@code Date}. Both forms are capped at {@link #MAX_RETRY_AFTER_MILLIS}.
   */
  static long retryAfterMillis(Response response) {
    String value = response.header("Retry-After");
    if (value == null) return -1;
    long millis;
    try {
      long seconds = Long.parseLong(value.trim());
      if (seconds < 0) return -1;
      millis = seconds > MAX_RETRY_AFTER_MILLIS / 1000 ? MAX_RETRY_AFTER_MILLIS : seconds * 1000;
    } catch (NumberFormatException e) {
      Date until = response.headers().getDate("Retry-After");
      if (until == null) return -1;
      Date serverNow = response.headers().getDate("Date");
      long now = serverNow != null ? serverNow.getTime() : response.receivedResponseAtMillis();
      millis = Math.max(0, until.getTime() - now);
    }
    return Math.min(millis, MAX_RETRY_AFTER_MILLIS);
  }

  static String lower(String operation) {
    return operation.toLowerCase(Locale.ROOT);
  }
}
