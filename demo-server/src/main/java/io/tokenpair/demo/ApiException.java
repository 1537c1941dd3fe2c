package io.tokenpair.demo;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error answer: thrown by endpoint code, rendered by {@link DemoServer} as {@code
 * {"code":<status>,"error":"<error>","message":"..."}} plus the given headers. Carries no stack
 * trace.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String error;
  private final transient Map<String, String> headers = new LinkedHashMap<>();

  ApiException(int status, String error, String message) {
    super(message, null, false, false);
    this.status = status;
    this.error = error;
  }

  ApiException header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  int status() {
    return status;
  }

  String error() {
    return error;
  }

  Map<String, String> headers() {
    return headers;
  }
}
