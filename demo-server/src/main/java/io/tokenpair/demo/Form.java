package io.tokenpair.demo;

import com.sun.net.httpserver.HttpExchange;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@code application/x-www-form-urlencoded} request body as RFC 6749 §3.1 and Appendix B read
 * it: UTF-8, a parameter sent without a value counts as omitted, and none may be sent more than
 * once. Unread parameters are ignored. Immutable; errors never quote the input.
 */
final class Form {
  static final String MEDIA_TYPE = "application/x-www-form-urlencoded";

  private final Map<String, List<String>> values;

  private Form(Map<String, List<String>> values) {
    this.values = values;
  }

  /**
   * Reads the body: 415 {@code invalid_request} for another content type, 413 over {@link
   * Http#MAX_BODY_BYTES}, 400 {@code invalid_request} when it is not form encoding.
   */
  static Form read(HttpExchange ex) {
    if (!Http.mediaType(ex).equals(MEDIA_TYPE)) {
      throw new ApiException(
          415, "invalid_request", "The request body must be " + MEDIA_TYPE + ".");
    }
    return parse(new String(Http.readBody(ex), StandardCharsets.UTF_8));
  }

  private static Form parse(String body) {
    var values = new HashMap<String, List<String>>();
    for (var pair : body.split("&")) {
      if (pair.isEmpty()) continue;
      var eq = pair.indexOf('=');
      var name = decode(eq < 0 ? pair : pair.substring(0, eq));
      var value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (!value.isEmpty()) values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return new Form(values);
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new ApiException(
          400, "invalid_request", "The request body is not valid form encoding.");
    }
  }

  /** The value of {@code name}, or null when it is absent; 400 when it is sent more than once. */
  String optional(String name) {
    var list = values.get(name);
    if (list == null) return null;
    if (list.size() > 1) {
      throw new ApiException(400, "invalid_request", "The parameter " + name + " is repeated.");
    }
    return list.get(0);
  }

  /** The value of {@code name}; 400 when it is absent or sent more than once. */
  String required(String name) {
    var value = optional(name);
    if (value == null) {
      throw new ApiException(400, "invalid_request", "The parameter " + name + " is required.");
    }
    return value;
  }
}
