package io.tokenpair.client;

import java.io.IOException;
import java.security.KeyPair;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * Keeps an OkHttp client signed in with a token pair: a short-lived access token sent as {@code
 * Authorization: Bearer}, and a long-lived refresh token that the server keeps in an HttpOnly
 * cookie ({@code rt}).
 *
 * <pre>{@code
 * TokenPairAuth auth = TokenPairAuth.builder()
 *     .baseUrl("https://api.example.com/")
 *     .build();
 * OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
 * auth.login(loginRequest);   // keeps the access token and the rt cookie
 * client.newCall(new Request.Builder().url("https://api.example.com/api/me").build()).execute();
 * }</pre>
 *
 * <p>When a call to the base URL's origin fails with an expired status (401 or 419 by default), the
 * client refreshes the access token once, by posting the cookie to the refresh endpoint, and
 * replays the call; the app does not notice. Concurrent failures share one refresh. A request that
 * was sent with a token that is no longer current is replayed with the current one without
 * refreshing. Every request is replayed at most once. JWT access tokens are refreshed shortly
 * before they expire, so the steady state sees no 401 at all.
 *
 * <p>When the refresh endpoint rejects the cookie (400, 401 or 403), the session ends: the token
 * and the cookie are cleared, {@link SessionListener#onSessionExpired()} is called once, and each
 * waiting call receives its original response. When the refresh fails otherwise (network error,
 * timeout, 5xx, 429) the session is kept, the calls receive their original responses, and a later
 * call refreshes again.
 *
 * <p>The bearer goes only to the base URL's scheme, host and port; never to other hosts, including
 * after a cross-host redirect. Requests that carry their own {@code Authorization} header, or that
 * were marked with {@link #withoutAuth(Request)}, are left alone. Tokens never appear in {@code
 * toString()}, exception messages or logs.
 *
 * <p>This class is thread-safe; use one instance per signed-in account and share it among all
 * clients built with {@link #install}.
 */
public final class TokenPairAuth {
  private final HttpUrl baseUrl;

  /** Whether the protocol's refresh token is in the body (any but the cookie protocol). */
  private final boolean bodyTokens;

  final Session session;
  private final AuthPolicy policy;
  private final Async async = new Async(Async.newExecutor());

  TokenPairAuth(HttpUrl baseUrl, boolean bodyTokens, Session session, AuthPolicy policy) {
    this.baseUrl = baseUrl;
    this.bodyTokens = bodyTokens;
    this.session = session;
    this.policy = policy;
  }

  /**
   * Returns a new builder.
   *
   * @return a new builder.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Installs this session into {@code builder}: its cookie jar, its {@linkplain
   * OkHttpClient.Builder#authenticator authenticator} for 401 and an application interceptor for
   * the bearer and the other expired statuses. Any cookie jar or authenticator already set on
   * {@code builder} is replaced.
   *
   * <p>Refresh, login and logout calls use a copy of the builder's configuration taken now
   * (interceptors, timeouts, TLS, proxy), without this session's interceptor and authenticator, so
   * they are never intercepted and never wait for a dispatcher slot. They share the cookie jar, the
   * connection pool and the dispatcher with the clients that {@code builder} builds. Add your own
   * interceptors before calling this method if the auth calls should see them.
   *
   * <p>One session may be installed into several builders (one per client that needs it); the first
   * install decides the auth calls' configuration, and later ones leave it as it is.
   *
   * @param builder the builder of the client that should be signed in.
   * @return {@code builder}, for chaining.
   * @throws IllegalStateException if this session is already installed on {@code builder}.
   */
  public OkHttpClient.Builder install(OkHttpClient.Builder builder) {
    if (builder == null) throw new NullPointerException("builder == null");
    if (builder.interceptors().contains(policy)) {
      throw new IllegalStateException("This TokenPairAuth is already installed on this builder.");
    }
    builder.cookieJar(session.cookieJar);
    OkHttpClient base = builder.build();
    // Later builds of this builder then share the pool and dispatcher with the auth calls.
    builder.connectionPool(base.connectionPool()).dispatcher(base.dispatcher());
    session.calls.setClientIfAbsent(base);
    builder.authenticator(policy).addInterceptor(policy);
    if (session.calls.dpop != null) builder.addNetworkInterceptor(policy.signer());
    return builder;
  }

  /**
   * Signs in: executes {@code loginRequest} outside the auth chain, then keeps the access token
   * found at the {@link Builder#loginTokenPointer login token pointer} of the JSON response and the
   * cookies it set (the {@code rt} cookie). Blocks: never call it on Android's main thread; use
   * {@link #loginAsync(Request)} there.
   *
   * <p>The answer is read by the {@link Builder#refreshProtocol refresh protocol} ({@link
   * RefreshProtocol#readLoginResponse}). Under {@link RefreshProtocol#oauth2 oauth2} it must be an
   * RFC 6749 §5.1 token response, whatever grant the request uses: JSON with {@code access_token},
   * {@code token_type} Bearer, the {@code refresh_token} that later refreshes present and
   * optionally {@code expires_in}; the login token pointer plays no part there.
   *
   * @param loginRequest the complete login call, for example a POST of credentials to {@code
   *     /auth/login}.
   * @return the new access token.
   * @throws AuthResponseException if the server refuses (a status other than 2xx: {@link
   *     AuthResponseException#code()}, {@link AuthResponseException#error()}), or its answer is
   *     unusable: no token at the pointer, a token that cannot be sent in a header, a body over 1
   *     MiB ({@link AuthResponseException#code()} is then the answer's 2xx); nothing changes.
   * @throws IOException if the call fails (nothing changes), or the stores cannot save the new
   *     session (it is then signed out, in memory and as far as the stores allow; the previous
   *     session has ended either way).
   */
  public String login(Request loginRequest) throws IOException {
    if (loginRequest == null) throw new NullPointerException("loginRequest == null");
    SessionCookieJar.Staging staging = session.cookieJar.staging();
    DpopKey key = session.newDpopKey();
    AuthCalls.Grant grant = session.calls.login(loginRequest, staging, key);
    session.newOwner(staging, grant, key);
    return grant.tokens.accessToken();
  }

  /**
   * Signs out: ends the session here (the access token, the refresh credential, the DPoP key and
   * every cookie are cleared; a refresh still in flight will not revive it, and a request sent in
   * it is never replayed in a later one), then, outside every lock, tells the server. With the
   * cookie protocol it posts to the logout endpoint with the cookie and the bearer (best effort:
   * failures are ignored). With {@link RefreshProtocol#oauth2} and {@link
   * OAuth2RefreshProtocol#withRevocation revocation} it revokes the refresh token (RFC 7009), once:
   * a 200 is done; a network error or another status throws, after the session has ended here, and
   * is told to {@link SessionListener#onRevocationFailed}. With a body-token protocol without
   * revocation the server is told nothing: its session stays alive there until its refresh token
   * expires. Blocks: never call it on Android's main thread; use {@link #logoutAsync()} there.
   *
   * @throws IOException if the stores could not be cleared (the session is cleared in memory
   *     regardless), the revocation failed (the session has ended here all the same), or a
   *     {@linkplain Builder#sessionStore shared store}'s lock could not be taken within the refresh
   *     timeout (nothing has changed then: call it again).
   */
  public void logout() throws IOException {
    session.logout();
  }

  /**
   * Returns the current access token, or null when signed out. Treat it as a secret.
   *
   * @return the token, or null.
   */
  public @Nullable String accessToken() {
    return session.currentState().token;
  }

  /**
   * Replaces the current access token, for apps that obtain it by other means. A refresh in flight
   * will not overwrite it. Blocks on the stores (with a shared store, on its lock): on Android's
   * main thread use {@link #setAccessTokenAsync(String)}.
   *
   * @param accessToken the new token, or null to forget it (the refresh cookie stays).
   * @throws IOException if the token store cannot save it; the token is used in memory regardless.
   * @throws IllegalArgumentException if the token cannot be sent in an {@code Authorization} header
   *     (it must be visible ASCII without spaces); nothing changes.
   */
  public void setAccessToken(@Nullable String accessToken) throws IOException {
    if (accessToken != null) TokenState.requireSendable(accessToken, "accessToken");
    session.setAccessToken(accessToken);
  }

  /**
   * Signs in with a token pair obtained elsewhere, such as from an authorization-code flow, for a
   * protocol whose refresh token is in the body ({@link RefreshProtocol#oauth2}). Stores both, the
   * refresh token first; a refresh still in flight will not overwrite them. Blocks on the stores:
   * never call it on Android's main thread; use {@link #signInAsync(String, String)} there.
   *
   * @param accessToken the access token.
   * @param refreshToken the refresh token.
   * @throws IOException if the stores cannot save them; the session is then signed out, in memory
   *     and as far as the stores allow, so that no refresh pairs this refresh token with another
   *     access token.
   * @throws IllegalArgumentException if the access token cannot be sent in an {@code Authorization}
   *     header (it must be visible ASCII without spaces); nothing changes.
   * @throws IllegalStateException with the cookie protocol, whose refresh token is a cookie.
   */
  public void signIn(String accessToken, String refreshToken) throws IOException {
    if (accessToken == null) throw new NullPointerException("accessToken == null");
    if (refreshToken == null) throw new NullPointerException("refreshToken == null");
    signIn(TokenGrant.of(accessToken, refreshToken, TokenGrant.UNKNOWN_LIFETIME, TimeUnit.SECONDS));
  }

  /**
   * As {@link #signIn(String, String)}, with the access token's lifetime when the sign-in flow's
   * token response gave one ({@code expires_in}): an opaque token is then refreshed ahead of its
   * expiry too.
   *
   * @param pair the tokens; its refresh token must not be null.
   * @throws IOException if the stores cannot save them; the session is then signed out, as with
   *     {@link #signIn(String, String)}.
   * @throws IllegalArgumentException if {@code pair} has no refresh token, or its access token
   *     cannot be sent in an {@code Authorization} header; nothing changes.
   * @throws IllegalStateException with the cookie protocol, whose refresh token is a cookie.
   */
  public void signIn(TokenGrant pair) throws IOException {
    if (pair == null) throw new NullPointerException("pair == null");
    if (pair.refreshToken() == null)
      throw new IllegalArgumentException("pair has no refresh token");
    TokenState.requireSendable(pair.accessToken(), "accessToken");
    if (!bodyTokens) {
      throw new IllegalStateException(
          "signIn needs a protocol whose refresh token is in the body, such as oauth2.");
    }
    AuthCalls.Grant grant = new AuthCalls.Grant(pair, AuthCalls.Grant.UNKNOWN_OFFSET);
    session.newOwner(null, grant, session.newDpopKey());
  }

  /**
   * Refreshes now, whatever the token's age: joins a refresh in flight, or starts one, and waits
   * for it: at most twice the {@linkplain Builder#refreshTimeout refresh timeout}, once for a
   * shared store's lock (another process may be refreshing) and once for the call. Blocks: never
   * call it on Android's main thread; use {@link #forceRefreshAsync()} there.
   *
   * @return the new access token.
   * @throws AuthResponseException if the server refused, or its answer was unusable (as for {@link
   *     #login}; the session is then kept); {@link AuthResponseException#endsSession()} tells
   *     whether the session ended.
   * @throws IOException if there is no session to refresh, or the refresh failed otherwise.
   */
  public String forceRefresh() throws IOException {
    TokenState current = session.currentState();
    try {
      return session.refresher.tryRefresh(current.token, RefreshEvent.Cause.FORCED, true);
    } catch (IOException e) {
      Throwable cause = e.getCause();
      if (cause instanceof AuthResponseException) throw (AuthResponseException) cause;
      throw e;
    }
  }

  /**
   * As {@link #login(Request)}, without blocking the caller: the login runs on the SDK's own
   * threads. Safe to call from Android's main thread.
   *
   * @param loginRequest the complete login call.
   * @return a future of the new access token; it completes exceptionally with the exception that
   *     {@link #login(Request)} would throw. Canceling it does not stop the login: once it
   *     succeeds, the new session is kept (call {@link #logoutAsync()} to end it).
   */
  public CompletableFuture<String> loginAsync(Request loginRequest) {
    if (loginRequest == null) throw new NullPointerException("loginRequest == null");
    return async.run(() -> login(loginRequest));
  }

  /**
   * As {@link #signIn(TokenGrant)}, without blocking the caller: the stores are written on the
   * SDK's own threads.
   *
   * @param pair the tokens; its refresh token must not be null.
   * @return a future that completes when the pair is stored, or exceptionally with the exception
   *     that {@link #signIn(TokenGrant)} would throw.
   */
  public CompletableFuture<@Nullable Void> signInAsync(TokenGrant pair) {
    if (pair == null) throw new NullPointerException("pair == null");
    return async.runVoid(() -> signIn(pair));
  }

  /**
   * As {@link #signIn(String, String)}, without blocking the caller.
   *
   * @param accessToken the access token.
   * @param refreshToken the refresh token.
   * @return a future that completes when the pair is stored, or exceptionally with the exception
   *     that {@link #signIn(String, String)} would throw.
   */
  public CompletableFuture<@Nullable Void> signInAsync(String accessToken, String refreshToken) {
    if (accessToken == null) throw new NullPointerException("accessToken == null");
    if (refreshToken == null) throw new NullPointerException("refreshToken == null");
    return async.runVoid(() -> signIn(accessToken, refreshToken));
  }

  /**
   * As {@link #forceRefresh()}, without blocking the caller.
   *
   * @return a future of the new access token; it completes exceptionally with the exception that
   *     {@link #forceRefresh()} would throw. Canceling it releases only this caller: the refresh,
   *     which other calls may share, goes on and its result is kept.
   */
  public CompletableFuture<String> forceRefreshAsync() {
    return async.run(this::forceRefresh);
  }

  /**
   * As {@link #logout()}, without blocking the caller.
   *
   * @return a future that completes when the session has ended here and the server was told, or
   *     exceptionally with the exception that {@link #logout()} would throw.
   */
  public CompletableFuture<@Nullable Void> logoutAsync() {
    return async.runVoid(this::logout);
  }

  /**
   * As {@link #setAccessToken(String)}, without blocking the caller (a shared store's lock may be
   * held by another process).
   *
   * @param accessToken the new token, or null to forget it.
   * @return a future that completes when the token is stored, or exceptionally with the exception
   *     that {@link #setAccessToken(String)} would throw.
   */
  public CompletableFuture<@Nullable Void> setAccessTokenAsync(@Nullable String accessToken) {
    return async.runVoid(() -> setAccessToken(accessToken));
  }

  /**
   * Returns a copy of {@code request} that this session neither authorizes nor refreshes for.
   *
   * @param request the request to copy.
   * @return the marked copy.
   */
  public static Request withoutAuth(Request request) {
    return request.newBuilder().tag(AuthPolicy.SKIP_AUTH, SkipAuth.INSTANCE).build();
  }

  @Override
  public String toString() {
    return "TokenPairAuth{baseUrl="
        + baseUrl.newBuilder().username("").password("").build()
        + ", signedIn="
        + (session.currentState().token != null)
        + "}";
  }

  /**
   * Configures a {@link TokenPairAuth}. Only {@link #baseUrl} is required.
   *
   * <p>Builders are not thread-safe.
   */
  public static final class Builder {
    private HttpUrl baseUrl;
    private String refreshPath = "auth/refresh";
    private String logoutPath = "auth/logout";
    private JsonPointer accessTokenPointer = JsonPointer.compile("/data/access_token");
    private JsonPointer loginTokenPointer;
    private int[] expiredStatusCodes = {401, 419};
    private long graceWindowNanos = TimeUnit.MILLISECONDS.toNanos(300);
    private long refreshAheadMillis = TimeUnit.SECONDS.toMillis(30);
    private long refreshTimeoutMillis = TimeUnit.SECONDS.toMillis(10);
    private String refreshCookieName = "rt";
    private TokenStore tokenStore;
    private CookieStore cookieStore;
    private SessionStore sessionStore;
    private SessionListener listener = SessionListener.NONE;
    private RefreshProtocol refreshProtocol = RefreshProtocol.cookie();
    private Clock clock = Clock.SYSTEM;

    /** The DPoP mode, or null when off. */
    private AuthCalls.@Nullable Dpop dpop;

    /** The hosts {@link #allowCleartext} named, canonical. */
    private final Set<String> cleartextHosts = new LinkedHashSet<>();

    Builder() {}

    /**
     * The API's base URL, ending in {@code /}. The bearer is sent only to its scheme, host and
     * port; the auth paths resolve against it. It must be {@code https} unless its host is loopback
     * or {@linkplain #allowCleartext allowed}.
     *
     * @param baseUrl the base URL.
     * @return this builder.
     */
    public Builder baseUrl(String baseUrl) {
      if (baseUrl == null) throw new NullPointerException("baseUrl == null");
      return baseUrl(HttpUrl.get(baseUrl));
    }

    /**
     * Same as {@link #baseUrl(String)}.
     *
     * @param baseUrl the base URL.
     * @return this builder.
     */
    public Builder baseUrl(HttpUrl baseUrl) {
      if (baseUrl == null) throw new NullPointerException("baseUrl == null");
      java.util.List<String> segments = baseUrl.pathSegments();
      if (!segments.get(segments.size() - 1).isEmpty()) {
        HttpUrl shown =
            baseUrl.newBuilder().username("").password("").query(null).fragment(null).build();
        throw new IllegalArgumentException("baseUrl must end in /: " + shown);
      }
      this.baseUrl = baseUrl;
      return this;
    }

    /**
     * The refresh endpoint, relative to the base URL. Default {@code auth/refresh}.
     *
     * @param refreshPath the path.
     * @return this builder.
     */
    public Builder refreshPath(String refreshPath) {
      if (refreshPath == null) throw new NullPointerException("refreshPath == null");
      this.refreshPath = refreshPath;
      return this;
    }

    /**
     * The logout endpoint, relative to the base URL. Default {@code auth/logout}.
     *
     * @param logoutPath the path.
     * @return this builder.
     */
    public Builder logoutPath(String logoutPath) {
      if (logoutPath == null) throw new NullPointerException("logoutPath == null");
      this.logoutPath = logoutPath;
      return this;
    }

    /**
     * Where the access token sits in the refresh response, as a JSON Pointer (RFC 6901: in a member
     * name, {@code ~1} stands for {@code /} and {@code ~0} for {@code ~}). Default {@code
     * /data/access_token}.
     *
     * @throws IllegalArgumentException if {@code pointer} is not a valid JSON Pointer.
     * @param pointer a JSON Pointer such as {@code /data/access_token}.
     * @return this builder.
     */
    public Builder accessTokenPointer(String pointer) {
      this.accessTokenPointer = pointer(pointer, "accessTokenPointer");
      return this;
    }

    /**
     * Where the access token sits in the login response. Defaults to the {@link
     * #accessTokenPointer}.
     *
     * @throws IllegalArgumentException if {@code pointer} is not a valid JSON Pointer.
     * @param pointer a JSON Pointer such as {@code /data/access_token}.
     * @return this builder.
     */
    public Builder loginTokenPointer(String pointer) {
      this.loginTokenPointer = pointer(pointer, "loginTokenPointer");
      return this;
    }

    /**
     * The HTTP statuses that mean "access token expired". Default 401 and 419.
     *
     * @param codes the statuses, each from 400 to 599.
     * @return this builder.
     */
    public Builder expiredStatusCodes(int... codes) {
      if (codes == null) throw new NullPointerException("codes == null");
      if (codes.length == 0) throw new IllegalArgumentException("expiredStatusCodes is empty");
      for (int code : codes) {
        if (code < 400 || code > 599) {
          throw new IllegalArgumentException("not an error status: " + code);
        }
        if (code == 403) {
          throw new IllegalArgumentException("403 means forbidden, not expired: never refreshed");
        }
      }
      this.expiredStatusCodes = codes.clone();
      return this;
    }

    /**
     * How long a fresh token is reused for late failures without refreshing again. Default 300 ms;
     * 0 disables.
     *
     * @param duration the duration, 0 or more.
     * @param unit the unit of {@code duration}.
     * @return this builder.
     */
    public Builder graceWindow(long duration, TimeUnit unit) {
      this.graceWindowNanos = unit(unit).toNanos(nonNegative(duration, "graceWindow"));
      return this;
    }

    /**
     * Refreshes a JWT access token this long before its {@code exp} (at most half its lifetime), so
     * that calls never meet an expired token. Default 30 s; 0 turns proactive refresh off. Opaque
     * tokens are refreshed on failure only.
     *
     * @param duration the duration, 0 or more.
     * @param unit the unit of {@code duration}.
     * @return this builder.
     */
    public Builder refreshAhead(long duration, TimeUnit unit) {
      this.refreshAheadMillis = unit(unit).toMillis(nonNegative(duration, "refreshAhead"));
      return this;
    }

    /**
     * The time limit of each refresh, login and logout call, of each wait for a refresh, and of
     * each wait for a {@linkplain #sessionStore shared store}'s lock. Default 10 s.
     *
     * @param duration the duration, 0 or more.
     * @param unit the unit of {@code duration}.
     * @return this builder.
     */
    public Builder refreshTimeout(long duration, TimeUnit unit) {
      long millis = unit(unit).toMillis(nonNegative(duration, "refreshTimeout"));
      if (millis == 0) throw new IllegalArgumentException("refreshTimeout must be positive");
      this.refreshTimeoutMillis = millis;
      return this;
    }

    /**
     * The name of the refresh cookie. Default {@code rt}.
     *
     * @param name the cookie name.
     * @return this builder.
     */
    public Builder refreshCookieName(String name) {
      if (name == null) throw new NullPointerException("name == null");
      if (name.isEmpty()) throw new IllegalArgumentException("refreshCookieName is empty");
      this.refreshCookieName = name;
      return this;
    }

    /**
     * Where the access token lives. Default: {@link TokenStore#inMemory()}. Replaces a {@link
     * #sessionStore}: the session is then this process's alone, even if the store is a {@link
     * SessionStore}.
     *
     * @param tokenStore the store.
     * @return this builder.
     */
    public Builder tokenStore(TokenStore tokenStore) {
      if (tokenStore == null) throw new NullPointerException("tokenStore == null");
      this.tokenStore = tokenStore;
      this.sessionStore = null;
      return this;
    }

    /**
     * Where the cookies, including the refresh cookie, live. Default: {@link
     * CookieStore#inMemory()}. Replaces a {@link #sessionStore}: the session is then this process's
     * alone, even if the store is a {@link SessionStore}.
     *
     * @param cookieStore the store.
     * @return this builder.
     */
    public Builder cookieStore(CookieStore cookieStore) {
      if (cookieStore == null) throw new NullPointerException("cookieStore == null");
      this.cookieStore = cookieStore;
      this.sessionStore = null;
      return this;
    }

    /**
     * Keeps the access token and the cookies in one store that several processes may share, such as
     * {@link FileSessionStore}: refreshes then take its lock and re-read it, so that processes
     * never refresh with a refresh token another process has already used. Replaces {@link
     * #tokenStore} and {@link #cookieStore}. This is the only way to share a session among
     * processes.
     *
     * @param sessionStore the store.
     * @return this builder.
     */
    public Builder sessionStore(SessionStore sessionStore) {
      if (sessionStore == null) throw new NullPointerException("sessionStore == null");
      this.tokenStore = sessionStore;
      this.cookieStore = sessionStore;
      this.sessionStore = sessionStore;
      return this;
    }

    /**
     * How refreshes are made and their answers read. Default: {@link RefreshProtocol#cookie()}, the
     * refresh cookie posted to {@link #refreshPath}. With {@link RefreshProtocol#oauth2}, or a
     * protocol of your own, the refresh token comes in the answers' bodies and is kept in the
     * {@link #tokenStore}, which must then keep them ({@link TokenStore#keepsRefreshTokens});
     * {@link #refreshPath}, {@link #accessTokenPointer} and {@link #loginTokenPointer} apply to the
     * cookie protocol only, and {@link TokenPairAuth#logout()} ends the session without a network
     * call.
     *
     * @param protocol the protocol.
     * @return this builder.
     */
    public Builder refreshProtocol(RefreshProtocol protocol) {
      if (protocol == null) throw new NullPointerException("protocol == null");
      this.refreshProtocol = protocol;
      return this;
    }

    /**
     * Observes refreshes and the end of the session. Default: {@link SessionListener#NONE}.
     *
     * @param listener the listener.
     * @return this builder.
     */
    public Builder listener(SessionListener listener) {
      if (listener == null) throw new NullPointerException("listener == null");
      this.listener = listener;
      return this;
    }

    /**
     * Allows cleartext {@code http} to {@code host}, for development only. {@link #build()} refuses
     * an {@code http} {@linkplain #baseUrl base URL} or refresh endpoint ({@link
     * RefreshProtocol#endpoint()}, such as the token endpoint of {@link RefreshProtocol#oauth2}) on
     * any other host than loopback ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}) and the
     * hosts named here, because the access token, the refresh credential and a client secret would
     * travel unencrypted (RFC 6749 sections 3.2 and 10.3). For example the Android emulator reaches
     * the computer it runs on at {@code 10.0.2.2}. Do not call it in release builds.
     *
     * @param host a host name or IP address, such as {@code 10.0.2.2}; no scheme, no port.
     * @return this builder.
     * @throws IllegalArgumentException if {@code host} is not a host name or IP address.
     */
    public Builder allowCleartext(String host) {
      if (host == null) throw new NullPointerException("host == null");
      try {
        cleartextHosts.add(new HttpUrl.Builder().scheme("http").host(host).build().host());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("allowCleartext: not a host name or address: " + host);
      }
      return this;
    }

    /**
     * Binds the session's tokens to a key of this device (DPoP, RFC 9449): each sign-in ({@link
     * TokenPairAuth#login}, {@link TokenPairAuth#signIn}) makes a new EC P-256 key pair, kept
     * exactly as durably as the refresh token (in memory with {@link TokenStore#inMemory()}; in the
     * session file with {@link FileSessionStore}, so a restart or a second process continues the
     * bound session) and deleted when the session ends. Every call that presents a credential then
     * carries a fresh ES256 proof in its {@code DPoP} header: the refresh, the login request, the
     * revocation, and the calls to the base URL's origin, which send {@code Authorization: DPoP
     * <token>} when the token response said {@code token_type} DPoP ({@code Bearer} from a server
     * that does not do DPoP stays Bearer, without a proof). A server's {@code DPoP-Nonce} is kept
     * per origin and a {@code use_dpop_nonce} challenge is answered once, apart from refreshes and
     * replays. A key that cannot be loaded or cannot sign ends the session once ({@link
     * SessionListener#onStorageError}, then {@link SessionListener#onSessionExpired()}). A stored
     * session from before DPoP was turned on has no key, and ends the same way at first use.
     *
     * <p>{@link #build()} refuses a token store whose {@link TokenStore#keepsDpopKeys()} is false.
     * With {@link TokenPairAuth#signIn}, the pair must have been issued without binding or with
     * this key; exchange codes through {@link TokenPairAuth#login(Request)}, which carries a proof.
     *
     * @return this builder.
     */
    public Builder dpop() {
      this.dpop = new AuthCalls.Dpop(null);
      return this;
    }

    /**
     * As {@link #dpop()}, with a key pair the app holds, such as a non-exportable AndroidKeyStore
     * key: proofs are signed through {@link java.security.Signature}, so a hardware key works. The
     * SDK stores nothing of it and uses it for every session; a key that can no longer sign ends
     * the session once, and login then fails until the app gives a working key to a new builder.
     *
     * @param keyPair an EC P-256 key pair (ES256).
     * @return this builder.
     * @throws IllegalArgumentException if {@code keyPair} is not an EC P-256 key pair.
     */
    public Builder dpop(KeyPair keyPair) {
      if (keyPair == null) throw new NullPointerException("keyPair == null");
      this.dpop = new AuthCalls.Dpop(DpopKey.of(keyPair));
      return this;
    }

    Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Returns a new {@link TokenPairAuth}.
     *
     * @throws IllegalStateException if no base URL was set, or if the base URL or the refresh
     *     endpoint is cleartext {@code http} to a host that is neither loopback nor {@linkplain
     *     #allowCleartext allowed}.
     * @return the new session.
     */
    public TokenPairAuth build() {
      if (baseUrl == null) throw new IllegalStateException("Base URL required.");
      requireEncrypted(baseUrl, "baseUrl");
      HttpUrl refreshUrl = resolve(refreshPath, "refreshPath");
      HttpUrl logoutUrl = resolve(logoutPath, "logoutPath");
      boolean bodyTokens = !(refreshProtocol instanceof CookieProtocol);
      RefreshProtocol protocol =
          bodyTokens
              ? refreshProtocol
              : CookieProtocol.bind(
                  refreshUrl,
                  accessTokenPointer,
                  loginTokenPointer != null ? loginTokenPointer : accessTokenPointer);
      HttpUrl endpoint = protocol.endpoint();
      if (endpoint == null) throw new IllegalStateException("RefreshProtocol.endpoint() is null.");
      requireEncrypted(endpoint, "The refresh endpoint");
      Stores stores =
          new Stores(
              tokenStore != null ? tokenStore : TokenStore.inMemory(),
              cookieStore != null ? cookieStore : CookieStore.inMemory(),
              sessionStore,
              refreshTimeoutMillis);
      if (bodyTokens && !stores.keepsRefreshTokens()) {
        throw new IllegalStateException(
            "The token store does not keep refresh tokens: implement"
                + " TokenStore.loadRefreshToken and saveRefreshToken and return true from"
                + " keepsRefreshTokens(), or use TokenStore.inMemory() or FileSessionStore.");
      }
      if (dpop != null && dpop.appKey == null && !stores.keepsDpopKeys()) {
        throw new IllegalStateException(
            "The token store does not keep DPoP keys: implement TokenStore.loadDpopKey and"
                + " saveDpopKey and return true from keepsDpopKeys(), use TokenStore.inMemory() or"
                + " FileSessionStore, or give the key with dpop(KeyPair).");
      }
      if (protocol instanceof OAuth2RefreshProtocol) {
        HttpUrl revocation = ((OAuth2RefreshProtocol) protocol).revocationEndpoint();
        if (revocation != null) requireEncrypted(revocation, "The revocation endpoint");
      }
      AuthCalls calls = new AuthCalls(protocol, logoutUrl, refreshTimeoutMillis, clock, dpop);
      Session session =
          new Session(
              stores,
              calls,
              bodyTokens,
              refreshCookieName,
              graceWindowNanos,
              refreshAheadMillis,
              refreshTimeoutMillis,
              listener,
              clock,
              RefreshThread.newExecutor());
      AuthPolicy policy =
          new AuthPolicy(
              baseUrl, logoutUrl, expiredStatusCodes, refreshAheadMillis, session, clock);
      return new TokenPairAuth(baseUrl, bodyTokens, session, policy);
    }

    /**
     * The one rule for cleartext: {@code url} is https, on a loopback host, or on a host the app
     * {@linkplain #allowCleartext allowed}.
     */
    private void requireEncrypted(HttpUrl url, String name) {
      String host = url.host();
      if (url.isHttps() || isLoopback(host) || cleartextHosts.contains(host)) return;
      throw new IllegalStateException(
          name
              + " uses cleartext http to "
              + host
              + ". Use https, or allowCleartext(\""
              + host
              + "\") for development only (such as the Android emulator's host 10.0.2.2).");
    }

    /** {@code localhost}, {@code 127.0.0.0/8} or {@code ::1}, as written: nothing is resolved. */
    private static boolean isLoopback(String host) {
      return host.equals("localhost")
          || host.equals("::1")
          || host.matches("127(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    }

    private HttpUrl resolve(String path, String name) {
      HttpUrl url = baseUrl.resolve(path);
      if (url == null) throw new IllegalArgumentException(name + " is not a valid path: " + path);
      if (!AuthPolicy.isOrigin(url, baseUrl)) {
        throw new IllegalArgumentException(name + " must stay on the base URL's origin: " + path);
      }
      return url;
    }

    private static JsonPointer pointer(String pointer, String name) {
      if (pointer == null) throw new NullPointerException(name + " == null");
      try {
        return JsonPointer.compile(pointer);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(name + " is not a JSON Pointer: " + pointer, e);
      }
    }

    private static TimeUnit unit(TimeUnit unit) {
      if (unit == null) throw new NullPointerException("unit == null");
      return unit;
    }

    private static long nonNegative(long duration, String name) {
      if (duration < 0) throw new IllegalArgumentException(name + " < 0");
      return duration;
    }
  }
}
