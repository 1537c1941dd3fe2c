package io.tokenpair.mockwebserver;

import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import mockwebserver3.RecordedRequest;

/**
 * An {@code application/x-www-form-urlencoded} request body as the demo server's {@code Form} reads
 * it (RFC 6749 §3.1 and Appendix B): UTF-8, a parameter sent without a value counts as omitted, and
 * none may be sent more than once. Unread parameters are ignored. Immutable; errors never quote the
 * input.
 */
final class Form {
  static final String MEDIA_TYPE = "application/x-www-form-urlencoded";

  private final Map<String, List<String>> values;

  private Form(Map<String, List<String>> values) {
    this.values = values;
  }

  /**
   * Reads the body: 415 {@code invalid_request} for another content type, 413 over {@link
   * Requests#MAX_BODY_BYTES}, 400 {@code invalid_request} when it is not form encoding.
   */
  static Form read(RecordedRequest request) throws Refusal {
    if (!Requests.mediaType(request).equals(MEDIA_TYPE)) {
      throw new Refusal(415, "invalid_request", "The request body must be " + MEDIA_TYPE + ".");
    }
    return parse(Requests.body(request).utf8());
  }

  static Form parse(String body) throws Refusal {
    Map<String, List<String>> values = new HashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (value.isEmpty()) continue;
      List<String> list = values.get(name);
      if (list == null) values.put(name, list = new ArrayList<>());
      list.add(value);
    }
    return new Form(values);
  }

  /** Form decoding of one name or value (also the parts of a Basic header, RFC 6749 §2.3.1). */
  static String decode(String s) throws Refusal {
    try {
      return URLDecoder.decode(s, "UTF-8");
    } catch (IllegalArgumentException | UnsupportedEncodingException e) {
      throw new Refusal(400, "invalid_request", "The request body is not valid form encoding.");
    }
  }

  /** The value of {@code name}, or null when it is absent; 400 when it is sent more than once. */
  String optional(String name) throws Refusal {
    List<String> list = values.get(name);
    if (list == null) return null;
    if (list.size() > 1) {
      throw new Refusal(400, "invalid_request", "The parameter " + name + " is repeated.");
    }
    return list.get(0);
  }

  /** The value of {@code name}; 400 when it is absent or sent more than once. */
  String required(String name) throws Refusal {
    String value = optional(name);
    if (value == null) {
      throw new Refusal(400, "invalid_request", "The parameter " + name + " is required.");
    }
    return value;
  }
}
