package io.tokenpair.mockwebserver;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import mockwebserver3.RecordedRequest;
import okio.ByteString;

/**
 * Reads requests as the demo server does ({@code docs/protocol.md}, "Bad input"): JSON bodies with
 * Jackson, cookies, the Bearer header. Each method returns the value or throws the {@link Refusal}
 * the demo server answers. Stateless.
 */
final class Requests {
  static final int MAX_BODY_BYTES = 16 * 1024;

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Requests() {}

  /** The body as a JSON object: 415 for another content type, 413 over 16 KiB, 400 otherwise. */
  static JsonNode jsonObject(RecordedRequest request) throws Refusal {
    if (!mediaType(request).equals("application/json")) {
      throw new Refusal(
          415, "unsupported_media_type", "The request body must be application/json.");
    }
    byte[] bytes = body(request).toByteArray();
    JsonNode node;
    try {
      node = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new Refusal(400, "invalid_request", "The request body is not valid JSON.");
    } catch (IOException e) {
      throw new Refusal(400, "invalid_request", "The request body could not be read.");
    }
    if (node == null || !node.isObject()) {
      throw new Refusal(400, "invalid_request", "The request body must be a JSON object.");
    }
    return node;
  }

  /** The request's media type, lower case and without parameters; empty when there is none. */
  static String mediaType(RecordedRequest request) {
    String contentType = request.getHeaders().get("Content-Type");
    return contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }

  /** The body, empty when there is none; 413 over 16 KiB, declared or not. */
  static ByteString body(RecordedRequest request) throws Refusal {
    ByteString body = request.getBody();
    if (body == null) body = ByteString.EMPTY;
    if (body.size() > MAX_BODY_BYTES || request.getBodySize() > MAX_BODY_BYTES) {
      throw new Refusal(
          413,
          "payload_too_large",
          "The request body is larger than " + MAX_BODY_BYTES + " bytes.");
    }
    return body;
  }

  /** A non-empty string field: 400 when it is absent, null, empty or of another type. */
  static String requiredString(JsonNode body, String field) throws Refusal {
    JsonNode node = body.get(field);
    if (node != null && !node.isNull() && !node.isTextual()) {
      throw new Refusal(400, "invalid_request", "The field " + field + " must be a string.");
    }
    String value = node == null || node.isNull() ? null : node.textValue();
    if (value == null || value.isEmpty()) {
      throw new Refusal(400, "invalid_request", "The field " + field + " is required.");
    }
    return value;
  }

  /** Every value of cookie {@code name} across all Cookie headers, unquoted. */
  static List<String> cookies(RecordedRequest request, String name) {
    List<String> values = new ArrayList<>();
    for (String header : request.getHeaders().values("Cookie")) {
      for (String pair : header.split(";")) {
        int eq = pair.indexOf('=');
        if (eq < 0 || !pair.substring(0, eq).trim().equals(name)) continue;
        String value = pair.substring(eq + 1).trim();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        values.add(value);
      }
    }
    return values;
  }

  /**
   * The token of a Bearer Authorization header (scheme case-insensitive), or null when there is
   * none or it has another scheme; 400 for two headers, 401 for an empty Bearer.
   */
  static String bearerToken(RecordedRequest request) throws Refusal {
    List<String> values = request.getHeaders().values("Authorization");
    if (values.isEmpty()) return null;
    if (values.size() > 1) {
      throw new Refusal(400, "invalid_request", "Send one Authorization header.");
    }
    String value = values.get(0).trim();
    if (value.length() < 6 || !value.regionMatches(true, 0, "Bearer", 0, 6)) return null;
    if (value.length() > 6 && value.charAt(6) != ' ') return null;
    String token = value.substring(6).trim();
    if (token.isEmpty()) throw invalidToken("The access token is invalid.");
    return token;
  }

  /** An access token as the request presents it, and whether with the {@code DPoP} scheme. */
  static final class Presented {
    final String token;
    final boolean dpop;

    Presented(String token, boolean dpop) {
      this.token = token;
      this.dpop = dpop;
    }
  }

  /**
   * The access token of the Authorization header, with the {@code Bearer} scheme or, when {@code
   * dpopScheme}, the {@code DPoP} scheme (both case-insensitive); null when there is none or it has
   * another scheme. 400 for two headers, 401 for an empty token.
   */
  static Presented accessToken(RecordedRequest request, boolean dpopScheme) throws Refusal {
    String bearer = bearerToken(request);
    if (bearer != null || !dpopScheme) return bearer == null ? null : new Presented(bearer, false);
    List<String> values = request.getHeaders().values("Authorization");
    if (values.isEmpty()) return null;
    String value = values.get(0).trim();
    if (value.length() < 4 || !value.regionMatches(true, 0, "DPoP", 0, 4)) return null;
    if (value.length() > 4 && value.charAt(4) != ' ') return null;
    String token = value.substring(4).trim();
    if (token.isEmpty()) {
      throw invalidToken("The access token is invalid.")
          .header("WWW-Authenticate", Answers.dpopChallenge("invalid_token"));
    }
    return new Presented(token, true);
  }

  static Refusal invalidToken(String message) {
    return new Refusal(401, "invalid_token", message).header("WWW-Authenticate", Answers.INVALID);
  }

  /** True when the request came over TLS or through a proxy that says it did. */
  static boolean isHttps(RecordedRequest request) {
    if (request.getHandshake() != null) return true;
    String proto = request.getHeaders().get("X-Forwarded-Proto");
    return proto != null && proto.split(",", 2)[0].trim().equalsIgnoreCase("https");
  }
}
