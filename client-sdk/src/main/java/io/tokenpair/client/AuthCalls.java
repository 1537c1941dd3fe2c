package io.tokenpair.client;

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
import okhttp3.ResponseBody;
import okio.BufferedSource;
import org.jspecify.annotations.Nullable;

/**
 * The auth HTTP calls (refresh, login, logout, revocation) and the reading of their answers. They
 * go through a copy of the app's client configuration without the SDK's interceptor and
 * authenticator, executed synchronously on the calling thread, so they are never intercepted, never
 * loop, and never wait for one of the dispatcher's slots. This class knows nothing of the session's
 * state, but keeps the estimate of the server's clock that the answers give.
 *
 * <p>With DPoP, each call gets a proof from {@link DpopProofs}, and a nonce challenge ({@code 400}
 * or {@code 401} {@code use_dpop_nonce} with a new {@code DPoP-Nonce}) is answered by sending the
 * same request once more with a new proof: the server refused it before looking at its credential,
 * so the retry presents nothing the server has spent.
 *
 * <p>Thread-safe.
 */
final class AuthCalls {
  /** The shortest time left that an auth call is still made with. */
  static final long MIN_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Offsets smaller than this are noise: {@code Date} and {@code iat} count whole seconds. */
  static final long MIN_CLOCK_OFFSET_MILLIS = 2_000;

  final RefreshProtocol protocol;
  final HttpUrl logoutUrl;
  private final long timeoutNanos;
  private final Clock clock;

  /** The proof maker, or null when DPoP is off. */
  final @Nullable DpopProofs dpop;

  /** The protocol that revokes at logout, or null. */
  private final @Nullable OAuth2RefreshProtocol revocation;

  /** The server's clock minus this device's, as the last login or refresh measured it. */
  private volatile long clockOffsetMillis;

  /** The app's client configuration; a default client until {@link #setClientIfAbsent}. */
  private volatile @Nullable OkHttpClient client;

  /** Whether {@link #client} is the first installed client's. Guarded by this. */
  private boolean installed;

  AuthCalls(
      RefreshProtocol protocol,
      HttpUrl logoutUrl,
      long timeoutMillis,
      Clock clock,
      @Nullable Dpop dpop) {
    this.protocol = protocol;
    this.logoutUrl = logoutUrl;
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    this.clock = clock;
    this.dpop = dpop != null ? new DpopProofs(dpop.appKey, this::serverTimeMillis) : null;
    OAuth2RefreshProtocol oauth2 =
        protocol instanceof OAuth2RefreshProtocol ? (OAuth2RefreshProtocol) protocol : null;
    this.revocation = oauth2 != null && oauth2.revocationEndpoint() != null ? oauth2 : null;
  }

  /** The DPoP mode the builder chose: a key per session (null {@link #appKey}) or the app's. */
  static final class Dpop {
    final @Nullable DpopKey appKey;

    Dpop(@Nullable DpopKey appKey) {
      this.appKey = appKey;
    }
  }

  /** The best estimate of the server's clock now. */
  long serverTimeMillis() {
    return clock.currentTimeMillis() + clockOffsetMillis;
  }

  /** Takes the measure an answer gave ({@link Grant#clockOffsetMillis}). */
  void clockOffset(long offsetMillis) {
    clockOffsetMillis = offsetMillis;
  }

  /** Whether logout revokes the refresh token (RFC 7009). */
  boolean revokes() {
    return revocation != null;
  }

  /** What one auth exchange did beyond its request. Confined to its caller. */
  static final class Exchange {
    /** The nonce challenges answered by sending again. */
    int nonceRetries;
  }

  /** Takes {@code client}'s configuration unless an earlier install gave one. */
  synchronized void setClientIfAbsent(OkHttpClient client) {
    if (!installed) {
      this.client = client;
      installed = true;
    }
  }

  /** A grant, with what its answer said of the server's clock. */
  static final class Grant {
    /** The offset of a pair that no answer brought (a sign-in): the last measure stands. */
    static final long UNKNOWN_OFFSET = Long.MIN_VALUE;

    final TokenGrant tokens;

    /**
     * The server's clock minus this device's, or 0 when unknown or too small to measure: from the
     * response's {@code Date} header, else from the token's {@code iat}.
     */
    final long clockOffsetMillis;

    Grant(TokenGrant tokens, long clockOffsetMillis) {
      this.tokens = tokens;
      this.clockOffsetMillis = clockOffsetMillis;
    }

    @Override
    public String toString() {
      return "Grant{" + tokens + "}";
    }
  }

  /**
   * Sends the protocol's refresh request with {@code cookies}. An answer lost on the wire (the
   * connection reset or closed before a complete response) is retried once, within the same
   * timeout, with the credential then current: the server may have rotated it already, and a retry
   * within its rotation grace succeeds; a cookie the first answer had set is presented.
   *
   * @throws AuthResponseException for an answer that refuses or is unusable.
   * @throws IOException when the call fails.
   */
  Grant refresh(
      CookieJar cookies, @Nullable String refreshToken, @Nullable DpopKey key, Exchange exchange)
      throws IOException {
    Request request;
    try {
      request = protocol.newRefreshRequest(refreshToken);
    } catch (RuntimeException e) {
      throw new NotRetried("The refresh protocol failed: " + e.getClass().getName() + ".", e);
    }
    long deadline = clock.nanoTime() + timeoutNanos;
    try {
      return grant(request, cookies, timeoutNanos, true, key, exchange);
    } catch (IOException lost) {
      long remaining = deadline - clock.nanoTime();
      if (!isLostAnswer(lost) || remaining <= 0) throw lost;
      try {
        return grant(request, cookies, remaining, true, key, exchange);
      } catch (IOException again) {
        again.addSuppressed(lost);
        throw again;
      }
    }
  }

  /**
   * Executes the app's login request with {@code cookies} (with a proof of {@code key} when DPoP is
   * on), and reads the answer by the protocol.
   *
   * @throws AuthResponseException for an answer that refuses or is unusable.
   * @throws IOException when the call fails.
   */
  Grant login(Request request, CookieJar cookies, @Nullable DpopKey key) throws IOException {
    return grant(request, cookies, timeoutNanos, false, key, new Exchange());
  }

  /**
   * Posts to the logout endpoint with {@code ended}'s token (or none) and {@code cookies}, the ones
   * the session had when it ended. Best effort: the caller has already forgotten the session, and
   * what the server sets in return is not kept.
   */
  void logout(TokenState ended, List<Cookie> cookies) {
    Request.Builder builder =
        new Request.Builder()
            .url(logoutUrl)
            .post(RequestBody.EMPTY)
            .header("Accept", "application/json");
    if (ended.header != null) builder.header(AuthPolicy.AUTHORIZATION, ended.header);
    try {
      Request request = builder.build();
      if (dpop != null && ended.dpopKey != null) {
        request = dpop.sign(request, ended.dpopKey, ended.token);
      }
      execute(request, new FixedCookies(cookies), timeoutNanos, false).close();
    } catch (IOException | RuntimeException ignored) {
      // Offline, or a broken interceptor of the app's: the session ends here regardless.
    }
  }

  /**
   * Revokes {@code refreshToken} (RFC 7009) with the protocol's client authentication and a proof
   * of {@code key}. Any 2xx answer is done, whatever its body. Never retried but for one nonce
   * challenge.
   *
   * @throws IOException if the call fails, or the server answers another status ({@link
   *     AuthResponseException}).
   */
  void revoke(String refreshToken, @Nullable DpopKey key) throws IOException {
    OAuth2RefreshProtocol protocol = revocation;
    if (protocol == null) return;
    Request request;
    try {
      request = protocol.newRevocationRequest(refreshToken);
    } catch (RuntimeException e) {
      throw new NotRetried("The revocation request failed: " + e.getClass().getName() + ".", e);
    }
    Response answer =
        send(request, CookieJar.NO_COOKIES, timeoutNanos, true, key, "Revocation", new Exchange());
    if (answer.isSuccessful()) return;
    throw AuthAnswers.refused("Revocation", answer, AuthAnswers.error(answer), false);
  }

  private Grant grant(
      Request request,
      CookieJar cookies,
      long timeout,
      boolean refresh,
      @Nullable DpopKey key,
      Exchange exchange)
      throws IOException {
    String operation = refresh ? "Refresh" : "Login";
    Response buffered = send(request, cookies, timeout, refresh, key, operation, exchange);
    long receivedAtMillis = buffered.receivedResponseAtMillis();
    int code = buffered.code();
    TokenGrant tokens;
    try {
      tokens =
          refresh ? protocol.readRefreshResponse(buffered) : protocol.readLoginResponse(buffered);
    } catch (AuthResponseException e) {
      throw e;
    } catch (IOException e) {
      throw AuthResponseException.unusable(String.valueOf(e.getMessage()), code, null, e);
    } catch (RuntimeException e) {
      throw AuthResponseException.unusable(
          "The refresh protocol failed: " + e.getClass().getName() + ".", code, null, e);
    }
    if (tokens == null) {
      throw AuthResponseException.unusable("The refresh protocol returned null.", code, null, null);
    }
    if (TokenGrant.DPOP.equals(tokens.tokenType) && dpop == null) {
      throw AuthResponseException.unusable(
          "The "
              + AuthAnswers.lower(operation)
              + " response's token_type is DPoP, but DPoP is off (TokenPairAuth.Builder.dpop()).",
          code,
          tokens.refreshToken(), // The server has rotated all the same.
          null);
    }
    if (!TokenState.isSendable(tokens.accessToken())) {
      throw AuthResponseException.unusable(
          "The "
              + AuthAnswers.lower(operation)
              + " response's access token cannot be sent in an Authorization header.",
          code,
          tokens.refreshToken(), // The server has rotated all the same.
          null);
    }
    return new Grant(tokens, clockOffset(buffered, tokens.accessToken(), receivedAtMillis));
  }

  /**
   * Executes {@code request} with a proof of {@code key} (none when null or DPoP is off) and
   * returns its answer with the body in memory, {@link Response#receivedResponseAtMillis()} on this
   * class's clock. A nonce challenge is answered once, within the same {@code timeout}, by sending
   * {@code request} again with a proof that carries the new nonce.
   */
  private Response send(
      Request request,
      CookieJar cookies,
      long timeout,
      boolean refresh,
      @Nullable DpopKey key,
      String operation,
      Exchange exchange)
      throws IOException {
    long deadline = clock.nanoTime() + timeout;
    boolean retried = false;
    while (true) {
      Request sent = dpop != null && key != null ? dpop.sign(request, key, null) : request;
      Response buffered;
      try (Response response = execute(sent, cookies, deadline - clock.nanoTime(), refresh)) {
        byte[] body = body(response, operation); // An I/O error here is an answer lost on the wire.
        buffered =
            response
                .newBuilder()
                .body(ResponseBody.create(body, response.body().contentType()))
                .receivedResponseAtMillis(clock.currentTimeMillis())
                .build();
      }
      if (dpop != null && !buffered.isSuccessful()) learnClock(buffered);
      if (dpop == null || key == null || !dpop.nonces.remember(buffered)) return buffered;
      RequestBody body = request.body();
      if (retried
          || !DpopNonces.isChallenge(buffered)
          || (body != null && body.isOneShot())
          || deadline - clock.nanoTime() <= 0) {
        return buffered;
      }
      retried = true;
      exchange.nonceRetries++;
    }
  }

  /**
   * Reads the body of {@code response}, at most {@link AuthAnswers#MAX_BODY_BYTES}: a longer one is
   * refused (not retried) without being read further.
   */
  private static byte[] body(Response response, String operation) throws IOException {
    BufferedSource source = response.body().source();
    if (source.request(AuthAnswers.MAX_BODY_BYTES + 1L)) {
      throw AuthResponseException.unusable(
          "The "
              + AuthAnswers.lower(operation)
              + " response is larger than "
              + AuthAnswers.MAX_BODY_BYTES
              + " bytes.",
          response.code(),
          null,
          null);
    }
    return source.readByteArray();
  }

  /**
   * Executes {@code request}. A refresh follows no redirect: its body carries the refresh token
   * (and maybe the client secret), which must reach the token endpoint only. An unchecked exception
   * from the app's interceptors becomes an {@link IOException} that is not retried.
   */
  private Response execute(Request request, CookieJar cookies, long timeout, boolean refresh)
      throws IOException {
    OkHttpClient base = client;
    if (base == null) {
      synchronized (this) {
        if (client == null) client = new OkHttpClient();
        base = client;
      }
    }
    // OkHttp refuses a timeout under 1 ms with an unchecked exception, and reads 0 as none at all.
    if (timeout < MIN_TIMEOUT_NANOS) throw new InterruptedIOException("timeout");
    try {
      // No retry of OkHttp's: exactly one, ours, and only of a lost answer.
      OkHttpClient.Builder builder =
          base.newBuilder()
              .cookieJar(cookies)
              .authenticator(Authenticator.NONE)
              .retryOnConnectionFailure(false)
              .callTimeout(timeout, TimeUnit.NANOSECONDS);
      if (refresh) builder.followRedirects(false).followSslRedirects(false);
      return builder.build().newCall(request).execute();
    } catch (RuntimeException e) {
      throw new NotRetried(
          "The auth call failed in an interceptor: " + e.getClass().getName() + ".", e);
    }
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
        && !(e instanceof NotRetried)
        && !(e instanceof DpopKey.Unusable)
        && !Thread.currentThread().isInterrupted();
  }

  /**
   * With DPoP, a refused answer's {@code Date} corrects the clock estimate too: a proof whose
   * {@code iat} a skewed device clock put outside the server's window is refused, no grant then
   * succeeds to measure it, and without this every later proof would be refused as well.
   */
  private void learnClock(Response refused) {
    Date date = clock.readsDateHeaders() ? refused.headers().getDate("Date") : null;
    if (date != null)
      clockOffsetMillis = offset(date.getTime(), refused.receivedResponseAtMillis());
  }

  /**
   * The server's clock minus ours, from the {@code Date} header, or else from the token's {@code
   * iat}: a token just issued was issued now, but one the server had cached was not, so {@code
   * Date} comes first.
   */
  private long clockOffset(Response response, String token, long receivedAtMillis) {
    Date date = clock.readsDateHeaders() ? response.headers().getDate("Date") : null;
    long serverMillis = date != null ? date.getTime() : Jwt.parse(token).issuedAtMillis;
    return serverMillis == Jwt.UNKNOWN ? 0 : offset(serverMillis, receivedAtMillis);
  }

  /**
   * The server's clock minus ours, from the server's time in whole seconds and when we received it;
   * 0 when too small to tell.
   */
  private static long offset(long serverMillis, long receivedAtMillis) {
    // The server's clock was somewhere in that second; take its middle.
    long offset = serverMillis + 500 - receivedAtMillis;
    return Math.abs(offset) < MIN_CLOCK_OFFSET_MILLIS ? 0 : offset;
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

  /** A failure before or outside the exchange (the app's interceptor, the protocol's request). */
  static final class NotRetried extends IOException {
    private static final long serialVersionUID = 1L;

    NotRetried(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
