package io.tokenpair.client;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import okhttp3.Authenticator;
import okhttp3.Cookie;
import okhttp3.CookieJar;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The auth HTTP calls (refresh, login, logout) and the reading of their answers. They go through a
 * copy of the app's client configuration without the SDK's interceptor and authenticator, executed
 * synchronously on the calling thread, so they are never intercepted, never loop, and never wait
 * for one of the dispatcher's slots. This class knows nothing of the session's state.
 *
 * <p>Thread-safe.
 */
final class AuthCalls {
  /** Offsets smaller than this are noise: {@code Date} and {@code iat} count whole seconds. */
  static final long MIN_CLOCK_OFFSET_MILLIS = 2_000;

  private static final long MAX_ERROR_BODY = 16 * 1024;

  final HttpUrl refreshUrl;
  final HttpUrl logoutUrl;
  private final JsonPointer accessTokenPointer;
  private final JsonPointer loginTokenPointer;
  private final long timeoutNanos;
  private final Clock clock;
  private final ObjectMapper mapper;

  /** The app's client configuration; a default client until {@link #setClient}. */
  private volatile OkHttpClient client;

  AuthCalls(
      HttpUrl refreshUrl,
      HttpUrl logoutUrl,
      JsonPointer accessTokenPointer,
      JsonPointer loginTokenPointer,
      long timeoutMillis,
      Clock clock,
      ObjectMapper mapper) {
    this.refreshUrl = refreshUrl;
    this.logoutUrl = logoutUrl;
    this.accessTokenPointer = accessTokenPointer;
    this.loginTokenPointer = loginTokenPointer;
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    this.clock = clock;
    this.mapper = mapper;
  }

  void setClient(OkHttpClient client) {
    this.client = client;
  }

  /** A new access token, with what its response said of the server's clock. */
  static final class Grant {
    final String accessToken;

    /**
     * The server's clock minus this device's, or 0 when unknown or too small to measure: from the
     * response's {@code Date} header, else from the token's {@code iat}.
     */
    final long clockOffsetMillis;

    Grant(String accessToken, long clockOffsetMillis) {
      this.accessToken = accessToken;
      this.clockOffsetMillis = clockOffsetMillis;
    }

    @Override
    public String toString() {
      return "Grant{accessToken=██}";
    }
  }

  /**
   * Posts to the refresh endpoint with {@code cookies}. An answer lost on the wire (the connection
   * reset or closed before a complete response) is retried once, within the same timeout, with the
   * credential then current in {@code cookies}: the server may have rotated it already, and a retry
   * within its rotation grace succeeds.
   *
   * @throws AuthResponseException for a non-2xx answer.
   * @throws IOException when the call fails or the answer has no token.
   */
  Grant refresh(CookieJar cookies) throws IOException {
    Request request =
        new Request.Builder()
            .url(refreshUrl)
            .post(RequestBody.EMPTY)
            .header("Accept", "application/json")
            .build();
    long deadline = clock.nanoTime() + timeoutNanos;
    try {
      return grant(request, cookies, timeoutNanos, "Refresh", accessTokenPointer);
    } catch (IOException lost) {
      long remaining = deadline - clock.nanoTime();
      if (!isLostAnswer(lost) || remaining <= 0) throw lost;
      try {
        return grant(request, cookies, remaining, "Refresh", accessTokenPointer);
      } catch (IOException again) {
        again.addSuppressed(lost);
        throw again;
      }
    }
  }

  /**
   * Executes the app's login request with {@code cookies}.
   *
   * @throws AuthResponseException for a non-2xx answer.
   * @throws IOException when the call fails or the answer has no token.
   */
  Grant login(Request request, CookieJar cookies) throws IOException {
    return grant(request, cookies, timeoutNanos, "Login", loginTokenPointer);
  }

  /**
   * Posts to the logout endpoint with {@code authorization} (or none) and {@code cookies}, the ones
   * the session had when it ended. Best effort: the caller has already forgotten the session, and
   * what the server sets in return is not kept.
   */
  void logout(String authorization, List<Cookie> cookies) {
    Request.Builder request =
        new Request.Builder()
            .url(logoutUrl)
            .post(RequestBody.EMPTY)
            .header("Accept", "application/json");
    if (authorization != null) request.header(AuthPolicy.AUTHORIZATION, authorization);
    try {
      execute(request.build(), new FixedCookies(cookies), timeoutNanos).close();
    } catch (IOException | RuntimeException ignored) {
      // Offline, or a broken interceptor of the app's: the session ends here regardless.
    }
  }

  private Grant grant(
      Request request, CookieJar cookies, long timeout, String operation, JsonPointer pointer)
      throws IOException {
    try (Response response = execute(request, cookies, timeout)) {
      long receivedAtMillis = clock.currentTimeMillis();
      if (!response.isSuccessful()) {
        throw new AuthResponseException(operation, response.code(), error(response));
      }
      byte[] body = response.body().bytes(); // An I/O error here is an answer lost on the wire.
      String token = readToken(body, pointer, operation);
      return new Grant(token, clockOffset(response, token, receivedAtMillis));
    }
  }

  private Response execute(Request request, CookieJar cookies, long timeout) throws IOException {
    OkHttpClient base = client;
    if (base == null) {
      synchronized (this) {
        if (client == null) client = new OkHttpClient();
        base = client;
      }
    }
    return base.newBuilder()
        .cookieJar(cookies)
        .authenticator(Authenticator.NONE)
        .retryOnConnectionFailure(false) // Exactly one retry, ours, and only of a lost answer.
        .callTimeout(timeout, TimeUnit.NANOSECONDS)
        .build()
        .newCall(request)
        .execute();
  }

  /**
   * Returns true when {@code e} means the request may have reached the server but its answer did
   * not come back. A timeout, a connection never made and a caller's interrupt are not retried.
   */
  private static boolean isLostAnswer(IOException e) {
    return !(e instanceof AuthResponseException)
        && !(e instanceof InterruptedIOException)
        && !(e instanceof ConnectException)
        && !(e instanceof NoRouteToHostException)
        && !(e instanceof UnknownHostException)
        && !(e instanceof SSLHandshakeException)
        && !(e instanceof MalformedAnswerException)
        && !Thread.currentThread().isInterrupted();
  }

  private String readToken(byte[] body, JsonPointer pointer, String operation) throws IOException {
    JsonNode node;
    try {
      JsonNode root = mapper.readTree(body);
      node = root == null ? MissingNode.getInstance() : root.at(pointer);
    } catch (IOException e) {
      throw new MalformedAnswerException("The " + lower(operation) + " response is not JSON.");
    }
    if (!node.isTextual() || node.asText().isEmpty()) {
      throw new MalformedAnswerException(
          "The " + lower(operation) + " response has no access token at " + pointer + ".");
    }
    return node.asText();
  }

  private static String lower(String operation) {
    return operation.toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The server's clock minus ours, from the {@code Date} header, or else from the token's {@code
   * iat}: a token just issued was issued now, but one the server had cached was not, so {@code
   * Date} comes first.
   */
  private long clockOffset(Response response, String token, long receivedAtMillis) {
    Date date = clock.readsDateHeaders() ? response.headers().getDate("Date") : null;
    long serverMillis = date != null ? date.getTime() : Jwt.parse(token, mapper).issuedAtMillis;
    if (serverMillis == Jwt.UNKNOWN) return 0;
    // Both count whole seconds: the server's clock was somewhere in that second; take its middle.
    long offset = serverMillis + 500 - receivedAtMillis;
    return Math.abs(offset) < MIN_CLOCK_OFFSET_MILLIS ? 0 : offset;
  }

  /** Returns the {@code error} field of a JSON error envelope, or null. */
  private String error(Response response) {
    try {
      JsonNode root = mapper.readTree(response.peekBody(MAX_ERROR_BODY).byteStream());
      JsonNode error = root == null ? null : root.get("error");
      return error != null && error.isTextual() ? error.asText() : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Sends the cookies it was given and keeps none. */
  private static final class FixedCookies implements CookieJar {
    private final List<Cookie> cookies;

    FixedCookies(List<Cookie> cookies) {
      this.cookies = cookies;
    }

    @Override
    public List<Cookie> loadForRequest(HttpUrl url) {
      List<Cookie> result = new ArrayList<>();
      for (Cookie cookie : cookies) {
        if (cookie.matches(url)) result.add(cookie); // Not to wherever a redirect leads.
      }
      return result;
    }

    @Override
    public void saveFromResponse(HttpUrl url, List<Cookie> received) {}
  }

  /** A complete answer without a usable token: the server spoke, so it is not retried. */
  static final class MalformedAnswerException extends IOException {
    private static final long serialVersionUID = 1L;

    MalformedAnswerException(String message) {
      super(message);
    }
  }
}
