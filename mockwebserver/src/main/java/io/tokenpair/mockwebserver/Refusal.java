package io.tokenpair.mockwebserver;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import mockwebserver3.MockResponse;

/**
 * An error answer, thrown by the request handling and rendered by {@link
 * TokenServerDispatcher#dispatch} in the body of the endpoint it came from, as the demo server's
 * routes do: {@link #answer()} in the demo server's envelope {@code
 * {"code":<status>,"error":...,"message":...}}, {@link #tokenAnswer()} as RFC 6749 §5.2 {@code
 * {"error":...,"error_description":...}}. Carries no stack trace. Not thread-safe; each belongs to
 * one request.
 */
final class Refusal extends Exception {
  private static final long serialVersionUID = 1L;

  /** The error codes of RFC 6749 §5.2. */
  private static final Set<String> TOKEN_ERRORS =
      new HashSet<>(
          Arrays.asList(
              "invalid_request",
              "invalid_client",
              "invalid_grant",
              "unauthorized_client",
              "unsupported_grant_type",
              "invalid_scope",
              Dpop.INVALID_PROOF, // RFC 9449 §5
              Dpop.USE_NONCE)); // RFC 9449 §8

  private final int status;
  private final String error;
  private final Map<String, String> headers = new LinkedHashMap<>();

  Refusal(int status, String error, String message) {
    super(message, null, false, false);
    this.status = status;
    this.error = error;
  }

  Refusal header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  /** The answer in the demo server's envelope. */
  MockResponse answer() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", status);
    body.put("error", error);
    body.put("message", getMessage());
    return withHeaders(Answers.json(status, body));
  }

  /**
   * The answer of the token endpoint, as the demo server's {@code TokenEndpoint.errorBody} writes
   * it: a code outside §5.2 becomes {@code invalid_request} for a 4xx (except with 429), {@code
   * temporarily_unavailable} for a 503 or an unreachable store ({@code store_unavailable}, whatever
   * its status) and {@code server_error} for another 5xx; {@code Pragma: no-cache} besides {@code
   * Cache-Control: no-store}.
   */
  MockResponse tokenAnswer() {
    String code;
    if (TOKEN_ERRORS.contains(error) || status == 429) {
      code = error;
    } else if (status >= 500) {
      code =
          status == 503 || Answers.STORE_UNAVAILABLE.equals(error)
              ? "temporarily_unavailable"
              : "server_error";
    } else {
      code = "invalid_request";
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("error_description", getMessage());
    return withHeaders(Answers.token(Answers.json(status, body)));
  }

  private MockResponse withHeaders(MockResponse.Builder answer) {
    for (Map.Entry<String, String> header : headers.entrySet()) {
      answer.addHeader(header.getKey(), header.getValue());
    }
    return answer.build();
  }
}
