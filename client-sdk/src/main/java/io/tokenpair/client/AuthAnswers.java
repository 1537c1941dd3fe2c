package io.tokenpair.client;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.util.Date;
import java.util.Locale;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * Reading the JSON answers of auth endpoints: tokens at a pointer, the {@code error} field, and
 * {@code Retry-After}. Parse errors never quote the body, which may hold a token. Thread-safe.
 */
final class AuthAnswers {
  /** Parse errors must not quote the body: it may hold a token. */
  static final ObjectMapper MAPPER =
      JsonMapper.builder().disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build();

  private static final long MAX_BODY = 64 * 1024;

  private AuthAnswers() {}

  /** The JSON body of {@code response}; {@link MissingNode} when it is not JSON. */
  static JsonNode json(Response response) {
    try {
      JsonNode root = MAPPER.readTree(response.peekBody(MAX_BODY).byteStream());
      return root == null ? MissingNode.getInstance() : root;
    } catch (IOException | RuntimeException e) {
      return MissingNode.getInstance();
    }
  }

  /** The text at {@code pointer}, or an exception naming what is missing. */
  static String text(JsonNode root, JsonPointer pointer, String operation, String what)
      throws IOException {
    JsonNode node = root.at(pointer);
    if (!node.isTextual() || node.asText().isEmpty()) {
      if (root.isMissingNode()) {
        throw new IOException("The " + lower(operation) + " response is not JSON.");
      }
      throw new IOException(
          "The " + lower(operation) + " response has no " + what + " at " + pointer + ".");
    }
    return node.asText();
  }

  /** The text at {@code pointer}, or null. */
  static @Nullable String optionalText(JsonNode root, JsonPointer pointer) {
    JsonNode node = root.at(pointer);
    return node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
  }

  /** Returns the {@code error} field of a JSON error body, or null. */
  static @Nullable String error(Response response) {
    JsonNode error = json(response).get("error");
    return error != null && error.isTextual() ? error.asText() : null;
  }

  /**
   * The exception for a refused answer: {@code endsSession} when the credential was rejected, with
   * the server's {@code Retry-After}.
   */
  static AuthResponseException refused(
      String operation, Response response, @Nullable String error, boolean endsSession) {
    return new AuthResponseException(
        operation, response.code(), error, endsSession, retryAfterMillis(response));
  }

  /** {@code Retry-After} in seconds or as an HTTP date, in milliseconds from now; -1 if absent. */
  static long retryAfterMillis(Response response) {
    String value = response.header("Retry-After");
    if (value == null) return -1;
    try {
      long seconds = Long.parseLong(value.trim());
      return seconds < 0 ? -1 : Math.min(seconds, 24 * 3600L) * 1000L;
    } catch (NumberFormatException e) {
      Date date = response.headers().getDate("Retry-After");
      if (date == null) return -1;
      return Math.max(0, date.getTime() - response.receivedResponseAtMillis());
    }
  }

  static String lower(String operation) {
    return operation.toLowerCase(Locale.ROOT);
  }
}
