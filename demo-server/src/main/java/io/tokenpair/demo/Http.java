package io.tokenpair.demo;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Request parsing and response writing shared by the endpoints. Stateless. */
final class Http {
  static final int MAX_BODY_BYTES = 16 * 1024;
  static final String JSON = "application/json; charset=utf-8";

  static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Http() {}

  /** Rejects a declared body over {@link #MAX_BODY_BYTES} before reading it. */
  private static void checkDeclaredLength(HttpExchange ex) {
    var length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length == null) return;
    long n;
    try {
      n = Long.parseLong(length.strip());
    } catch (NumberFormatException e) {
      throw new ApiException(400, "invalid_request", "The Content-Length header is malformed.");
    }
    if (n > MAX_BODY_BYTES) throw tooLarge();
  }

  static byte[] readBody(HttpExchange ex) {
    checkDeclaredLength(ex);
    var out = new ByteArrayOutputStream();
    var buffer = new byte[4096];
    try (var in = ex.getRequestBody()) {
      int n;
      while ((n = in.read(buffer)) != -1) {
        out.write(buffer, 0, n);
        if (out.size() > MAX_BODY_BYTES) throw tooLarge();
      }
    } catch (IOException e) {
      throw new ApiException(400, "invalid_request", "The request body could not be read.");
    }
    return out.toByteArray();
  }

  private static ApiException tooLarge() {
    return new ApiException(
        413, "payload_too_large", "The request body is larger than " + MAX_BODY_BYTES + " bytes.");
  }

  /** The request's media type, lower case and without parameters; empty when there is none. */
  static String mediaType(HttpExchange ex) {
    var contentType = ex.getRequestHeaders().getFirst("Content-Type");
    return contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
  }

  /** Reads a JSON object body: 415 for another content type, 400 for anything but an object. */
  static ObjectNode readJsonObject(HttpExchange ex) {
    if (!mediaType(ex).equals("application/json")) {
      throw new ApiException(
          415, "unsupported_media_type", "The request body must be application/json.");
    }
    var body = readBody(ex);
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new ApiException(400, "invalid_request", "The request body is not valid JSON.");
    } catch (IOException e) {
      throw new ApiException(400, "invalid_request", "The request body could not be read.");
    }
    if (node == null || !node.isObject()) {
      throw new ApiException(400, "invalid_request", "The request body must be a JSON object.");
    }
    return (ObjectNode) node;
  }

  /** A string field, or null when absent or JSON null; 400 when it has another type. */
  static String optionalString(ObjectNode body, String field) {
    var node = body.get(field);
    if (node == null || node.isNull()) return null;
    if (!node.isTextual()) {
      throw new ApiException(400, "invalid_request", "The field " + field + " must be a string.");
    }
    return node.textValue();
  }

  static String requiredString(ObjectNode body, String field) {
    var value = optionalString(body, field);
    if (value == null || value.isEmpty()) {
      throw new ApiException(400, "invalid_request", "The field " + field + " is required.");
    }
    return value;
  }

  /** Every value of cookie {@code name} across all Cookie headers. */
  static List<String> cookies(HttpExchange ex, String name) {
    var values = new ArrayList<String>();
    var headers = ex.getRequestHeaders().get("Cookie");
    if (headers == null) return values;
    for (var header : headers) {
      for (var pair : header.split(";")) {
        var eq = pair.indexOf('=');
        if (eq < 0) continue;
        if (pair.substring(0, eq).strip().equals(name)) {
          var value = pair.substring(eq + 1).strip();
          if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
          }
          values.add(value);
        }
      }
    }
    return values;
  }

  /** True when the request arrived over TLS or through a proxy that says it did. */
  static boolean isHttps(HttpExchange ex) {
    if (ex instanceof HttpsExchange) return true;
    var proto = ex.getRequestHeaders().getFirst("X-Forwarded-Proto");
    return proto != null && proto.split(",", 2)[0].strip().equalsIgnoreCase("https");
  }

  /** A JSON object with its keys in the given order: {@code object("id", 1, "name", "x")}. */
  static Map<String, Object> object(Object... keysAndValues) {
    var map = new LinkedHashMap<String, Object>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  static Map<String, Object> success(Object data) {
    var map = new LinkedHashMap<String, Object>();
    map.put("code", 0);
    map.put("message", "ok");
    map.put("data", data);
    return map;
  }

  static Map<String, Object> error(int status, String error, String message) {
    var map = new LinkedHashMap<String, Object>();
    map.put("code", status);
    map.put("error", error);
    map.put("message", message);
    return map;
  }

  static void sendJson(HttpExchange ex, int status, Object body) throws IOException {
    byte[] bytes;
    try {
      bytes = MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    send(ex, status, JSON, bytes);
  }

  static void sendText(HttpExchange ex, int status, String contentType, String text)
      throws IOException {
    send(ex, status, contentType, text.getBytes(StandardCharsets.UTF_8));
  }

  static void sendEmpty(HttpExchange ex, int status) throws IOException {
    beforeAnswer(ex);
    ex.sendResponseHeaders(status, -1);
  }

  /** The exchange attribute whose {@link Runnable} runs just before the answer leaves. */
  static final String BEFORE_ANSWER = "tokenpair.beforeAnswer";

  /**
   * Runs the exchange's {@link #BEFORE_ANSWER} hook: the request's metrics are recorded before the
   * client can read the answer, so its next request (a read of /metrics) sees this one.
   */
  private static void beforeAnswer(HttpExchange ex) {
    if (ex.getAttribute(BEFORE_ANSWER) instanceof Runnable hook) hook.run();
  }

  private static void send(HttpExchange ex, int status, String contentType, byte[] bytes)
      throws IOException {
    beforeAnswer(ex);
    ex.getResponseHeaders().set("Content-Type", contentType);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, bytes.length);
    try (var out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
