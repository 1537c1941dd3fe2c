package io.tokenpair.mockwebserver;

import java.util.LinkedHashMap;
import java.util.Map;
import mockwebserver3.MockResponse;

/**
 * An error answer in the demo server's envelope, {@code
 * {"code":<status>,"error":...,"message":...}}, thrown by the request handling and rendered by
 * {@link TokenServerDispatcher#dispatch}. Carries no stack trace. Not thread-safe; each belongs to
 * one request.
 */
final class Refusal extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient MockResponse.Builder answer;

  Refusal(int status, String error, String message) {
    super(message, null, false, false);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", status);
    body.put("error", error);
    body.put("message", message);
    this.answer = Answers.json(status, body);
  }

  Refusal header(String name, String value) {
    answer.addHeader(name, value);
    return this;
  }

  MockResponse answer() {
    return answer.build();
  }
}
