package io.tokenpair.client;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import okhttp3.Authenticator;
import okhttp3.CookieJar;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The state and the one code path behind {@link TokenPairAuth}: which token to send, whether a
 * failed response is replayed and with which token, and the auth calls themselves (refresh, login,
 * logout).
 *
 * <p>State machine: the current {@link TokenState} ({@link TokenState#NONE} when signed out) plus a
 * generation number that every sign-in, sign-out, manual token change and session expiry
 * increments. A refresh remembers the generation it started in and commits its result only if that
 * is still current, so a refresh that finishes after a logout cannot revive the session.
 *
 * <p>Thread-safe. Reads of the token are lock-free; changes hold this object's monitor, which is
 * never held across a network call (only across the stores' local writes). With a shared {@link
 * SessionStore}, changes first take the store's lock, which a refresh holds across its network call
 * so that processes refresh one at a time. Lock order: the store's lock, then this object's
 * monitor, then the cookie jar's monitor. Loading from a store never takes its lock.
 */
final class TokenSession {
  static final String AUTHORIZATION = "Authorization";

  /**
   * After a failed refresh-ahead, send with the still-valid token for this long before trying ahead
   * again.
   */
  static final long PROACTIVE_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** A token another process stored is adopted only with at least this much life left. */
  static final long MIN_ADOPTABLE_MILLIS = TimeUnit.SECONDS.toMillis(5);

  private static final long MAX_ERROR_BODY = 16 * 1024;

  final HttpUrl baseUrl;
  final HttpUrl refreshUrl;
  final HttpUrl logoutUrl;
  private final JsonPointer accessTokenPointer;
  private final JsonPointer loginTokenPointer;
  private final int[] expiredStatusCodes;
  private final long refreshAheadMillis;
  private final long refreshTimeoutMillis;
  final String refreshCookieName;
  private final TokenStore tokenStore;

  /**
   * The token store when processes share it, so that changes take its lock and re-read it; else
   * null.
   */
  private final SessionStore shared;

  final SessionCookieJar cookieJar;
  private final SessionListener listener;
  private final Clock clock;
  private final ObjectMapper mapper;
  final TokenRefresher refresher;

  /**
   * The app's client configuration without our interceptor and authenticator; null until needed or
   * installed.
   */
  private volatile OkHttpClient authClient;

  /** The current token; null until loaded from the store. Written with this lock held. */
  private volatile TokenState state;

  /** Incremented by every change of session other than a refresh. Guarded by this. */
  private int generation;

  /** {@link Clock#nanoTime()} before which no refresh-ahead is attempted. */
  private volatile long proactiveBackoffUntilNanos;

  TokenSession(
      HttpUrl baseUrl,
      HttpUrl refreshUrl,
      HttpUrl logoutUrl,
      JsonPointer accessTokenPointer,
      JsonPointer loginTokenPointer,
      int[] expiredStatusCodes,
      long graceWindowNanos,
      long refreshAheadMillis,
      long refreshTimeoutMillis,
      String refreshCookieName,
      TokenStore tokenStore,
      CookieStore cookieStore,
      SessionListener listener,
      Clock clock) {
    this.baseUrl = baseUrl;
    this.refreshUrl = refreshUrl;
    this.logoutUrl = logoutUrl;
    this.accessTokenPointer = accessTokenPointer;
    this.loginTokenPointer = loginTokenPointer;
    this.expiredStatusCodes = expiredStatusCodes.clone();
    this.refreshAheadMillis = refreshAheadMillis;
    this.refreshTimeoutMillis = refreshTimeoutMillis;
    this.refreshCookieName = refreshCookieName;
    this.tokenStore = tokenStore;
    this.shared = tokenStore instanceof SessionStore ? (SessionStore) tokenStore : null;
    this.listener = new SafeListener(listener);
    this.cookieJar = new SessionCookieJar(cookieStore, clock, this.listener);
    this.clock = clock;
    // Parse errors must not quote the body: it may hold a token.
    this.mapper =
        JsonMapper.builder().disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build();
    this.refresher =
        new TokenRefresher(
            this::refresh,
            graceWindowNanos,
            TimeUnit.MILLISECONDS.toNanos(refreshTimeoutMillis),
            TokenRefresher.newRefreshExecutor(),
            clock);
  }

  void setAuthClient(OkHttpClient client) {
    authClient = client;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Outgoing requests.

  /**
   * Returns true if {@code request} is ours to authorize: our origin, no opt-out, no own header, no
   * auth endpoint.
   */
  boolean appliesTo(Request request) {
    HttpUrl url = request.url();
    return isOurOrigin(url)
        && request.tag(SkipAuth.class) == null
        && request.header(AUTHORIZATION) == null
        && !url.encodedPath().equals(refreshUrl.encodedPath())
        && !url.encodedPath().equals(logoutUrl.encodedPath());
  }

  /**
   * Returns {@code request} with the current bearer, refreshing first when the token is about to
   * expire.
   */
  Request authorize(Request request) throws IOException {
    TokenState current = currentState();
    if (shouldRefreshAhead(current)) {
      try {
        refresher.tryRefresh(current.token);
      } catch (IOException e) {
        rethrowIfInterrupted(e);
        proactiveBackoffUntilNanos = clock.nanoTime() + PROACTIVE_BACKOFF_NANOS;
      }
      current = currentState();
    }
    return withToken(request, current.token, false);
  }

  private boolean shouldRefreshAhead(TokenState current) {
    if (refreshAheadMillis <= 0) return false;
    if (clock.nanoTime() - proactiveBackoffUntilNanos < 0) return false;
    if (current.token == null) return cookieJar.has(refreshCookieName, refreshUrl);
    return current.expiresSoon(clock.currentTimeMillis(), refreshAheadMillis);
  }

  /**
   * The shared code path of the authenticator (401) and the interceptor (other expired codes):
   * returns the request to replay for {@code response}, or null to hand {@code response} to the
   * caller.
   */
  Request replay(Response response) throws IOException {
    Request request = response.request();
    AuthTag tag = request.tag(AuthTag.class);
    if (tag == null || tag.replayed) return null; // Not ours, or already replayed once.
    if (!isExpiredStatus(response.code())) return null;
    if (!isOurOrigin(request.url())) return null; // A redirect took it elsewhere.
    RequestBody body = request.body();
    if (body != null && body.isOneShot()) return null;

    TokenState current = currentState();
    String token;
    if (current.token != null && !current.token.equals(tag.token)) {
      token = current.token; // Someone refreshed since this request left: replay, do not refresh.
    } else if (current.token == null && !cookieJar.has(refreshCookieName, refreshUrl)) {
      return null; // Nothing to refresh with.
    } else {
      try {
        token = refresher.tryRefresh(tag.token);
      } catch (IOException e) {
        rethrowIfInterrupted(e);
        return null; // Rejected or failed: the caller gets the original response.
      }
    }
    return withToken(request, token, true);
  }

  private static Request withToken(Request request, String token, boolean replayed) {
    Request.Builder builder = request.newBuilder().tag(AuthTag.class, new AuthTag(token, replayed));
    if (token != null) builder.header(AUTHORIZATION, "Bearer " + token);
    return builder.build();
  }

  private boolean isOurOrigin(HttpUrl url) {
    return url.scheme().equals(baseUrl.scheme())
        && url.host().equals(baseUrl.host())
        && url.port() == baseUrl.port();
  }

  private boolean isExpiredStatus(int code) {
    for (int expired : expiredStatusCodes) {
      if (expired == code) return true;
    }
    return false;
  }

  /**
   * A caller's own interrupt fails its call; a refresh that merely timed out is a transient
   * failure.
   */
  private static void rethrowIfInterrupted(IOException e) throws IOException {
    if (e instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) throw e;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // State.

  TokenState currentState() {
    TokenState result = state;
    if (result != null) return result;
    synchronized (this) {
      if (state == null) state = TokenState.of(loadToken(), clock.currentTimeMillis(), mapper);
      return state;
    }
  }

  /** Reads the stored token; an unreadable store means signed out. */
  private String loadToken() {
    try {
      return tokenStore.loadAccessToken();
    } catch (IOException e) {
      listener.onStorageError(e);
      return null;
    }
  }

  private Closeable lockStore() throws IOException {
    if (shared == null) return SessionCookieJar.NO_LOCK;
    try {
      return shared.lock();
    } catch (IOException e) {
      if (!(e instanceof InterruptedIOException)) listener.onStorageError(e);
      throw e;
    }
  }

  /** Replaces the token by the app's decision; an in-flight refresh will not overwrite it. */
  void setAccessToken(String token) throws IOException {
    try (Closeable lock = lockStore()) {
      synchronized (this) {
        currentState();
        generation++;
        state = TokenState.of(token, clock.currentTimeMillis(), mapper);
        refresher.reset();
        tokenStore.saveAccessToken(token);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Auth calls, through the app's client without our interceptor and authenticator.

  /**
   * The refresh function: runs on the refresher's thread, one at a time. With a shared store it
   * holds the store's lock throughout, and first looks whether another process has refreshed
   * already.
   */
  private String refresh() throws IOException {
    try (Closeable lock = lockStore()) {
      int startGeneration;
      TokenState before;
      synchronized (this) {
        startGeneration = generation;
        before = currentState();
      }
      if (shared != null) {
        String adopted = adoptSharedToken(startGeneration, before);
        if (adopted != null) return adopted;
      }
      if (before.token == null && !cookieJar.has(refreshCookieName, refreshUrl)) {
        // A caller that looked before the previous refresh ended the session: nothing to refresh
        // with, and the
        // session's end was already announced.
        throw new IOException("There is no session to refresh.");
      }
      return refreshOverNetwork(startGeneration);
    }
  }

  /**
   * Re-reads the shared store. Returns the token another process stored if it is a JWT with time to
   * spare, after making it current; else null, and the refresh goes to the network with the freshly
   * read cookie. Tokens of unknown expiry are never adopted: one may be long dead, and the replay
   * it would cost is the request's only one.
   */
  private String adoptSharedToken(int startGeneration, TokenState before) {
    cookieJar.reload();
    long now = clock.currentTimeMillis();
    TokenState stored = TokenState.of(loadToken(), now, mapper);
    if (stored.token == null
        || stored.token.equals(before.token)
        || stored.expiresAtMillis == Jwt.UNKNOWN_EXPIRY
        || stored.expiresAtMillis - now <= Math.max(refreshAheadMillis, MIN_ADOPTABLE_MILLIS)) {
      return null;
    }
    synchronized (this) {
      if (generation != startGeneration) return null;
      state = stored;
    }
    listener.onRefreshed(stored.token);
    return stored.token;
  }

  private String refreshOverNetwork(int startGeneration) throws IOException {
    SessionCookieJar.Staging staging = cookieJar.staging();
    Request request =
        new Request.Builder()
            .url(refreshUrl)
            .post(RequestBody.EMPTY)
            .header("Accept", "application/json")
            .build();
    try (Response response = call(request, staging)) {
      int code = response.code();
      if (code == 400 || code == 401 || code == 403) {
        AuthResponseException rejected =
            new AuthResponseException("Refresh", code, error(response));
        if (expire(startGeneration)) listener.onSessionExpired();
        throw rejected;
      }
      if (!response.isSuccessful()) {
        commit(startGeneration, staging, null); // Whatever the server says of its cookie stands.
        throw new AuthResponseException("Refresh", code, error(response));
      }
      String token;
      try {
        token = readToken(response, accessTokenPointer, "refresh");
      } catch (IOException e) {
        commit(
            startGeneration,
            staging,
            null); // The server may have rotated already: keep the new cookie.
        throw e;
      }
      commit(startGeneration, staging, token);
      listener.onRefreshed(token);
      return token;
    }
  }

  /**
   * Stores the refresh's cookies, then its token, then makes the token current, unless the session
   * changed since the refresh began. A store failure fails the refresh: the token is never released
   * before the cookie is durable.
   */
  private synchronized void commit(
      int startGeneration, SessionCookieJar.Staging staging, String token) throws IOException {
    if (generation != startGeneration) {
      throw new IOException("The session changed during the refresh; its result was discarded.");
    }
    try {
      cookieJar.commit(staging);
      if (token != null) tokenStore.saveAccessToken(token);
    } catch (IOException e) {
      listener.onStorageError(e);
      throw e;
    }
    if (token != null) state = TokenState.of(token, clock.currentTimeMillis(), mapper);
  }

  /** Ends the session after a rejected refresh; returns false if it had already changed. */
  private synchronized boolean expire(int startGeneration) {
    if (generation != startGeneration) return false;
    generation++;
    state = TokenState.NONE;
    try {
      tokenStore.saveAccessToken(null);
      cookieJar.remove(refreshCookieName, refreshUrl);
    } catch (IOException e) {
      // Memory is cleared; a stale stored pair only costs one rejected refresh after a restart.
      listener.onStorageError(e);
    }
    return true;
  }

  String login(Request loginRequest) throws IOException {
    SessionCookieJar.Staging staging = cookieJar.staging();
    try (Response response = call(loginRequest, staging)) {
      if (!response.isSuccessful()) {
        throw new AuthResponseException("Login", response.code(), error(response));
      }
      String token = readToken(response, loginTokenPointer, "login");
      try (Closeable lock = lockStore()) {
        synchronized (this) {
          currentState();
          generation++;
          cookieJar.commit(staging);
          tokenStore.saveAccessToken(token);
          state = TokenState.of(token, clock.currentTimeMillis(), mapper);
          refresher.reset();
        }
      }
      return token;
    }
  }

  void logout() throws IOException {
    try (Closeable lock = lockStore()) {
      TokenState current = currentState();
      if (shared != null)
        cookieJar.reload(); // Post the cookie that is current now, whoever rotated it.
      if (current.token != null || cookieJar.has(refreshCookieName, logoutUrl)) {
        Request.Builder request =
            new Request.Builder()
                .url(logoutUrl)
                .post(RequestBody.EMPTY)
                .header("Accept", "application/json");
        if (current.token != null) request.header(AUTHORIZATION, "Bearer " + current.token);
        try {
          // Best effort: whatever the server answers, this client forgets the session.
          call(request.build(), cookieJar.staging()).close();
        } catch (IOException ignored) {
          // Offline: forget the session anyway.
        }
      }
      synchronized (this) {
        generation++;
        state = TokenState.NONE;
        refresher.reset();
        try {
          tokenStore.saveAccessToken(null);
          cookieJar.clear();
        } catch (IOException e) {
          listener.onStorageError(e);
          throw e;
        }
      }
    }
  }

  private Response call(Request request, CookieJar cookieJar) throws IOException {
    OkHttpClient client = authClient;
    if (client == null) {
      synchronized (this) {
        if (authClient == null) authClient = new OkHttpClient();
        client = authClient;
      }
    }
    return client
        .newBuilder()
        .cookieJar(cookieJar)
        .authenticator(Authenticator.NONE)
        .callTimeout(refreshTimeoutMillis, TimeUnit.MILLISECONDS)
        .build()
        .newCall(request)
        .execute();
  }

  private String readToken(Response response, JsonPointer pointer, String operation)
      throws IOException {
    JsonNode node;
    ResponseBody body = response.body();
    try {
      JsonNode root = mapper.readTree(body.byteStream());
      node = root == null ? MissingNode.getInstance() : root.at(pointer);
    } catch (IOException e) {
      throw new IOException("The " + operation + " response is not JSON.");
    }
    if (!node.isTextual() || node.asText().isEmpty()) {
      throw new IOException(
          "The " + operation + " response has no access token at " + pointer + ".");
    }
    return node.asText();
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
}
