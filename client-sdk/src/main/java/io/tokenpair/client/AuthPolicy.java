package io.tokenpair.client;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import kotlin.jvm.JvmClassMappingKt;
import kotlin.reflect.KClass;
import okhttp3.Authenticator;
import okhttp3.Call;
import okhttp3.Challenge;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.Route;
import org.jspecify.annotations.Nullable;

/**
 * The request policy of {@link TokenPairAuth}: which requests get the bearer, when a token is
 * refreshed before a call, and which failed calls are replayed with which token. Installed as both
 * the application {@link Interceptor} (the bearer, refresh ahead of expiry, and expired statuses
 * other than 401, such as 419) and the {@link Authenticator} (401), which share {@link #replay}.
 *
 * <p>A request is ours when it goes to the base URL's origin, carries no {@code Authorization}
 * header of its own, is not marked {@link TokenPairAuth#withoutAuth}, and is not one of the auth
 * endpoints. Each authorized request is tagged with the token it carried; a replay is tagged as
 * such and never replayed again.
 *
 * <p>With DPoP, a DPoP-bound token goes as {@code Authorization: DPoP <token>} with a proof from
 * {@link DpopProofs} in the {@code DPoP} header; each answer's {@code DPoP-Nonce} is remembered for
 * the API's origin; and a 401 whose DPoP challenge says {@code use_dpop_nonce} is sent again once
 * with a new proof, which is neither a refresh nor the request's replay.
 *
 * <p>Thread-safe.
 */
final class AuthPolicy implements Interceptor, Authenticator {
  static final String AUTHORIZATION = "Authorization";

  /**
   * The tags' keys as OkHttp 5 stores them. Looking a tag up by {@code Class} makes a new Kotlin
   * class reference on every call; these are made once.
   */
  static final KClass<AuthTag> AUTH_TAG = JvmClassMappingKt.getKotlinClass(AuthTag.class);

  static final KClass<SkipAuth> SKIP_AUTH = JvmClassMappingKt.getKotlinClass(SkipAuth.class);

  /**
   * After a failed refresh-ahead, send with the still-valid token for this long before trying ahead
   * again.
   */
  static final long PROACTIVE_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final HttpUrl baseUrl;

  /** The refresh endpoint's path when it is on our origin, else null. */
  private final @Nullable List<String> refreshPath;

  private final List<String> logoutPath;
  private final int[] expiredStatusCodes;
  private final long refreshAheadMillis;
  private final Session session;
  private final TokenRefresher refresher;
  private final Clock clock;

  /** The proof maker, or null when DPoP is off. */
  private final @Nullable DpopProofs dpop;

  /** {@link Clock#nanoTime()} before which no refresh-ahead is attempted. */
  private volatile long proactiveBackoffUntilNanos;

  /**
   * A token that a refresh-ahead brought but that is itself due already (a server may hand back the
   * same token): not refreshed ahead again; its expiry is left to the expired status.
   */
  private volatile @Nullable TokenState notFresher;

  /** The call that {@link #intercept} runs on this thread, for {@link #authenticate}'s waits. */
  private final ThreadLocal<@Nullable Call> interceptedCall = new ThreadLocal<>();

  AuthPolicy(
      HttpUrl baseUrl,
      HttpUrl logoutUrl,
      int[] expiredStatusCodes,
      long refreshAheadMillis,
      Session session,
      Clock clock) {
    this.baseUrl = baseUrl;
    HttpUrl endpoint = session.calls.protocol.endpoint();
    this.refreshPath = isOrigin(endpoint, baseUrl) ? endpoint.pathSegments() : null;
    this.logoutPath = logoutUrl.pathSegments();
    this.expiredStatusCodes = expiredStatusCodes.clone();
    this.refreshAheadMillis = refreshAheadMillis;
    this.session = session;
    this.refresher = session.refresher;
    this.clock = clock;
    this.dpop = session.calls.dpop;
    this.proactiveBackoffUntilNanos = clock.nanoTime();
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (!appliesTo(request)) {
      // A request with its own Authorization is marked, so that its 401 is never taken for ours.
      boolean own = request.header(AUTHORIZATION) != null && request.tag(SKIP_AUTH) == null;
      if (own) request = request.newBuilder().tag(SKIP_AUTH, SkipAuth.INSTANCE).build();
      return chain.proceed(request);
    }

    Call call = chain.call();
    Response response;
    interceptedCall.set(call);
    try {
      response = chain.proceed(authorize(request, call));
    } finally {
      interceptedCall.set(null);
    }
    if (dpop != null) dpop.nonces.remember(response);
    if (response.code() == 401) return response; // The authenticator already had its turn.
    Request replay = replay(response, call);
    if (replay == null) return response;
    response.close();
    return chain.proceed(replay);
  }

  /** Answers a 401 from our origin with the request to replay; ignores proxy challenges (407). */
  @Override
  public @Nullable Request authenticate(@Nullable Route route, Response response)
      throws IOException {
    if (response.code() != 401) return null;
    if (dpop != null && isOurOrigin(response.request().url())) dpop.nonces.remember(response);
    return replay(response, interceptedCall.get());
  }

  /** Returns true if {@code request} is ours to authorize. */
  boolean appliesTo(Request request) {
    return request.header(AUTHORIZATION) == null && isOurs(request);
  }

  /** Our origin, not marked {@link TokenPairAuth#withoutAuth}, not an auth endpoint. */
  private boolean isOurs(Request request) {
    HttpUrl url = request.url();
    return isOurOrigin(url)
        && request.tag(SKIP_AUTH) == null
        && (refreshPath == null || !isPath(url, refreshPath))
        && !isPath(url, logoutPath);
  }

  /**
   * Returns {@code request} with the current bearer, refreshing first when the token is about to
   * expire.
   */
  Request authorize(Request request, @Nullable Call call) throws IOException {
    TokenState current = session.currentState();
    if (shouldRefreshAhead(current)) {
      // A start found no token, or one that had lapsed while the app was closed.
      boolean coldStart =
          current.stored
              && (current.token == null || current.expiresAtMillis <= session.serverTimeMillis());
      RefreshEvent.Cause cause =
          coldStart ? RefreshEvent.Cause.COLD_START : RefreshEvent.Cause.AHEAD;
      try {
        refresher.tryRefresh(current.token, cause, false, canceled(call));
        TokenState after = session.currentState();
        if (after.expiresSoon(session.serverTimeMillis(), refreshAheadMillis)) notFresher = after;
      } catch (IOException e) {
        rethrowIfAbandoned(e, call);
        proactiveBackoffUntilNanos = clock.nanoTime() + PROACTIVE_BACKOFF_NANOS;
      }
      current = session.currentState();
    }
    // A first send with a token carries no tag (the hot path allocates none): its token tells its
    // session. One without a token is tagged with its session epoch.
    if (current.token == null) {
      return request.newBuilder().tag(AUTH_TAG, AuthTag.unsigned(session.sessionEpoch())).build();
    }
    return authorized(request, current, null);
  }

  /**
   * Returns {@code request} with {@code state}'s token, a proof when it is DPoP-bound, and {@code
   * tag}. A key that cannot sign ends the session once and fails the call.
   */
  private Request authorized(Request request, TokenState state, @Nullable AuthTag tag)
      throws IOException {
    return authorized(request, state.header, state.token, state.dpopKey, tag);
  }

  private Request authorized(
      Request request,
      String authorization,
      String token,
      @Nullable DpopKey key,
      @Nullable AuthTag tag)
      throws IOException {
    Request.Builder builder = request.newBuilder().header(AUTHORIZATION, authorization);
    if (tag != null) builder.tag(AUTH_TAG, tag);
    // The proof is made for each network attempt ({@link #signer}): OkHttp's own retry of a failed
    // connection and a redirect are attempts of their own, with their own jti and htu.
    if (dpop != null && key != null) builder.tag(PROOF_KEY, new ProofKey(key, token));
    return builder.build();
  }

  /** The key and token a request's DPoP proofs are made with, for {@link #signer}. Immutable. */
  static final class ProofKey {
    final DpopKey key;
    final String token;

    ProofKey(DpopKey key, String token) {
      this.key = key;
      this.token = token;
    }

    @Override
    public String toString() {
      return "ProofKey{██}";
    }
  }

  static final KClass<ProofKey> PROOF_KEY = JvmClassMappingKt.getKotlinClass(ProofKey.class);

  /**
   * The network interceptor that signs each attempt of a DPoP request: a fresh proof for the URL
   * and method this attempt goes to, and none once a redirect has left our origin (OkHttp drops the
   * {@code Authorization} header there too; a redirect is built from the request as it left the
   * application interceptors, so no earlier attempt's proof comes along). Installed only with DPoP.
   */
  Interceptor signer() {
    return chain -> {
      Request request = chain.request();
      ProofKey proofKey = request.tag(PROOF_KEY);
      if (dpop == null
          || proofKey == null
          || !isOurOrigin(request.url())
          || request.header(AUTHORIZATION) == null) {
        return chain.proceed(request);
      }
      String proof;
      try {
        proof = dpop.proof(proofKey.key, request.method(), request.url(), proofKey.token);
      } catch (DpopKey.Unusable e) {
        session.dpopKeyFailed(proofKey.key, e);
        throw e;
      }
      return chain.proceed(request.newBuilder().header(DpopProofs.HEADER, proof).build());
    };
  }

  private boolean shouldRefreshAhead(TokenState current) {
    if (refreshAheadMillis <= 0) return false;
    if (clock.nanoTime() - proactiveBackoffUntilNanos < 0) return false;
    if (current.token == null) return session.canRefresh();
    return current != notFresher
        && current.expiresSoon(session.serverTimeMillis(), refreshAheadMillis);
  }

  /** Whether {@code call} was canceled, for a wait on its behalf; null without a call. */
  private static @Nullable BooleanSupplier canceled(@Nullable Call call) {
    // A lambda, not call::isCanceled: R8 broke that method handle in its class-file output.
    return call != null ? () -> call.isCanceled() : null;
  }

  /**
   * Returns the request to replay for {@code response}, or null to hand {@code response} to the
   * caller: a request sent with a token that is no longer current is replayed with the current one
   * without refreshing; otherwise one shared refresh, then the replay.
   */
  @Nullable Request replay(Response response, @Nullable Call call) throws IOException {
    Request request = response.request();
    AuthTag tag = request.tag(AUTH_TAG);
    boolean nonceChallenge =
        dpop != null
            && response.code() == 401
            && DpopNonces.USE_DPOP_NONCE.equals(challengeError(response, DpopProofs.HEADER));
    if (!nonceChallenge) {
      if (tag != null && tag.replayed) return null; // Already replayed once.
      if (!isExpiredStatus(response.code())) return null;
    }
    if (!isOurs(request)) return null; // Not ours, or a redirect took it elsewhere.
    if (!isOurOrigin(firstRequest(response).url())) return null; // A redirect brought it here.
    String header = request.header(AUTHORIZATION);
    String sent = header != null ? sentToken(header) : null;
    if (header != null && sent == null) return null; // Another scheme: not ours.
    if (sent == null && tag == null) return null; // Not sent by us: its session is unknown.
    if (!session.isCurrentSession(sent, tag != null ? tag.sessionEpoch : 0)) {
      return null; // Sent in a session that has ended: never replayed in another.
    }
    RequestBody body = request.body();
    if (body != null && body.isOneShot()) return null;
    if (nonceChallenge) {
      return sent != null && header.startsWith("DPoP ") ? nonceRetry(request, tag) : null;
    }
    if (!challengeMeansExpiry(response, dpop != null)) return null;
    TokenState current = session.currentState();
    if (current.token != null && !current.token.equals(sent)) {
      // Someone refreshed since this request left: replay, do not refresh.
      return authorized(request, current, AuthTag.REPLAY);
    }
    if (current.token == null && !session.canRefresh()) return null; // Nothing to refresh with.
    String token;
    try {
      RefreshEvent.Cause cause = RefreshEvent.Cause.expiredStatus(response.code());
      token = refresher.tryRefresh(sent, cause, false, canceled(call));
    } catch (IOException e) {
      rethrowIfAbandoned(e, call);
      return null; // Rejected or failed: the caller gets the original response.
    }
    // The token and its key read together, after the refresh: a logout or another sign-in during
    // it ended this request's session, and its replay with it.
    TokenState now = session.currentState();
    if (now.token == null || !session.isCurrentSession(token, 0)) return null;
    DpopKey key = now.dpopKey; // One key per session: the refresh's token is bound to it too.
    String authorization = (key != null ? "DPoP " : "Bearer ") + token;
    return authorized(request, authorization, token, key, AuthTag.REPLAY);
  }

  /**
   * The request sent again with a proof that carries the nonce the challenge brought (the nonce
   * cache has it already), once per send: the server refused the proof, not the token.
   */
  private @Nullable Request nonceRetry(Request request, @Nullable AuthTag tag) throws IOException {
    if (tag != null && tag.nonceRetried) return null;
    TokenState current = session.currentState();
    if (current.token == null || current.dpopKey == null) return null;
    return authorized(request, current, tag != null ? tag.nonceRetry() : AuthTag.NONCE_RETRY);
  }

  /** The token after our scheme ({@code Bearer}, or {@code DPoP} with DPoP on), or null. */
  private @Nullable String sentToken(String header) {
    if (header.startsWith("Bearer ")) return header.substring(7);
    if (dpop != null && header.startsWith("DPoP ")) return header.substring(5);
    return null;
  }

  /** The request that began the redirect chain that ended in {@code response}. */
  private static Request firstRequest(Response response) {
    Response first = response;
    for (Response prior = first.priorResponse(); prior != null; prior = prior.priorResponse()) {
      first = prior;
    }
    return first.request();
  }

  /**
   * Reads a 401's challenges (RFC 6750 section 3): a refresh helps only when the Bearer challenge
   * says {@code invalid_token} or names no error. Another scheme alone, {@code insufficient_scope}
   * and {@code invalid_request} are not an expired token. Without a challenge, it refreshes. With
   * {@code dpop}, a {@code DPoP} challenge (RFC 9449 section 7.1) decides first, and means expiry
   * only when it says {@code invalid_token} or names no error: {@code use_dpop_nonce} and {@code
   * invalid_dpop_proof} are not an expired token.
   */
  static boolean challengeMeansExpiry(Response response, boolean dpop) {
    if (response.code() != 401) return true;
    List<Challenge> challenges = response.challenges();
    if (challenges.isEmpty()) return true;
    if (dpop) {
      for (Challenge challenge : challenges) {
        if (challenge.scheme().equalsIgnoreCase(DpopProofs.HEADER)) {
          String error = challenge.authParams().get("error");
          return error == null || "invalid_token".equals(error);
        }
      }
    }
    for (Challenge challenge : challenges) {
      if (challenge.scheme().equalsIgnoreCase("Bearer")) {
        String error = challenge.authParams().get("error");
        return !"insufficient_scope".equals(error) && !"invalid_request".equals(error);
      }
    }
    return false;
  }

  /**
   * The {@code error} parameter of the first {@code scheme} challenge of a 401, wherever it stands
   * among the challenge's parameters; null without such a challenge or parameter. OkHttp parses the
   * challenges (RFC 7235: several per header, quoted strings, parameters in any order).
   */
  static @Nullable String challengeError(Response response, String scheme) {
    if (response.code() != 401) return null;
    for (Challenge challenge : response.challenges()) {
      if (challenge.scheme().equalsIgnoreCase(scheme)) return challenge.authParams().get("error");
    }
    return null;
  }

  /** Same scheme, host and port. */
  static boolean isOrigin(HttpUrl url, HttpUrl origin) {
    return url.port() == origin.port()
        && url.host().equals(origin.host())
        && url.scheme().equals(origin.scheme());
  }

  private boolean isOurOrigin(HttpUrl url) {
    return isOrigin(url, baseUrl);
  }

  /** Compares segment by segment: no iterator allocated on the hot path. */
  private static boolean isPath(HttpUrl url, List<String> segments) {
    int size = segments.size();
    if (url.pathSize() != size) return false;
    List<String> path = url.pathSegments();
    for (int i = 0; i < size; i++) {
      if (!path.get(i).equals(segments.get(i))) return false;
    }
    return true;
  }

  private boolean isExpiredStatus(int code) {
    for (int expired : expiredStatusCodes) {
      if (expired == code) return true;
    }
    return false;
  }

  /**
   * A caller's own interrupt or cancel fails its call; a refresh that merely timed out or failed is
   * a transient failure.
   */
  private static void rethrowIfAbandoned(IOException e, @Nullable Call call) throws IOException {
    if (e instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) throw e;
    if (call != null && call.isCanceled()) throw e;
  }

  @Override
  public String toString() {
    return "TokenPairAuth.AuthPolicy";
  }
}
