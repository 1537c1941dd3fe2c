package io.tokenpair.mockwebserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;

/**
 * Builds the answers of {@link TokenServerDispatcher}, as the demo server writes them. Stateless.
 */
final class Answers {
  static final String REALM = "Bearer realm=\"tokenpair\"";
  static final String INVALID = REALM + ", error=\"invalid_token\"";
  static final String JSON = "application/json; charset=utf-8";

  /**
   * A {@code DPoP} challenge (RFC 9449 §7.1) with {@code error}; the realm first, as Keycloak and
   * oidc-provider write theirs, so a client must not expect {@code error} first.
   */
  static String dpopChallenge(String error) {
    return "DPoP realm=\"tokenpair\", error=\"" + error + "\", algs=\"ES256\"";
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** IMF-fixdate (RFC 9110 §5.6.7): two-digit day, always GMT. */
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
          .withZone(ZoneOffset.UTC);

  private Answers() {}

  /** {@code {"code":0,"message":"ok","data":data}}. */
  static MockResponse.Builder success(Map<String, Object> data) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", 0);
    body.put("message", "ok");
    body.put("data", data);
    return json(200, body);
  }

  static MockResponse.Builder json(int status, Object body) {
    return empty(status).addHeader("Content-Type", JSON).body(toJson(body));
  }

  static String toJson(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Unserializable value.", e);
    }
  }

  /** An answer without a body; every answer carries {@code Cache-Control: no-store}. */
  static MockResponse.Builder empty(int status) {
    return new MockResponse.Builder().code(status).addHeader("Cache-Control", "no-store");
  }

  /** Marks an answer of the token endpoint: {@code Pragma: no-cache} too (RFC 6749 §5.1). */
  static MockResponse.Builder token(MockResponse.Builder answer) {
    return answer.addHeader("Pragma", "no-cache");
  }

  /** The RFC 6749 §5.1 answer for a pair: no envelope, no cookie. */
  static MockResponse tokenPair(Sessions.Pair pair) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("access_token", pair.accessToken);
    body.put("token_type", pair.dpop ? "DPoP" : "Bearer");
    body.put("expires_in", pair.expiresInSeconds);
    body.put("refresh_token", pair.refreshToken);
    return token(json(200, body)).build();
  }

  /** {@code answer} with a {@code Date} header for {@code millis}, in RFC 9110's IMF-fixdate. */
  static MockResponse dated(MockResponse answer, long millis) {
    return answer
        .newBuilder()
        .setHeader("Date", HTTP_DATE.format(Instant.ofEpochMilli(millis)))
        .build();
  }

  /** A response that closes the connection instead of answering. */
  static MockResponse cutConnection() {
    return new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build();
  }

  /**
   * The answer {@link TokenServerDispatcher#failNextRefresh(int)} gives for {@code status}: the
   * demo server's error for that status where it sends one (400 {@code invalid_request}, 403 {@code
   * origin_not_allowed}, 404 {@code not_found}, 405 {@code method_not_allowed}, 413 {@code
   * payload_too_large}, 415 {@code unsupported_media_type}, 429 {@code too_many_attempts} with
   * {@code Retry-After: 1}, 500 {@code internal_error}), else what it sends for the nearest case:
   * any other 4xx is {@code invalid_request}, any other 5xx {@code store_unavailable} with {@code
   * Retry-After: 1}, as its 503.
   */
  static Refusal failure(int status) {
    switch (status) {
      case 403:
        return new Refusal(403, "origin_not_allowed", "Requests from this origin are not allowed.");
      case 404:
        return new Refusal(404, "not_found", "No such endpoint.");
      case 405:
        return new Refusal(405, "method_not_allowed", "Use POST.").header("Allow", "POST");
      case 413:
        return new Refusal(413, "payload_too_large", "The request body is too large.");
      case 415:
        return new Refusal(
            415, "unsupported_media_type", "The request body has an unsupported media type.");
      case 429:
        return new Refusal(429, "too_many_attempts", "Too many requests. Try again later.")
            .header("Retry-After", "1");
      case 500:
        return new Refusal(500, "internal_error", "Internal error.");
      default:
        return status < 500
            ? new Refusal(status, "invalid_request", "The request is malformed.")
            : new Refusal(status, STORE_UNAVAILABLE, "Sessions are unavailable. Try again.")
                .header("Retry-After", "1");
    }
  }

  /** The demo server's error for a session store it cannot reach, answered with 503. */
  static final String STORE_UNAVAILABLE = "store_unavailable";
}
