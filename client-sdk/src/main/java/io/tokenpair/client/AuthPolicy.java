package io.tokenpair.client;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Authenticator;
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
 * <p>Thread-safe.
 */
final class AuthPolicy implements Interceptor, Authenticator {
  static final String AUTHORIZATION = "Authorization";

  /**
   * After a failed refresh-ahead, send with the still-valid token for this long before trying ahead
   * again.
   */
  static final long PROACTIVE_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final String scheme;
  private final String host;
  private final int port;

  /** The refresh endpoint's path when it is on our origin, else null. */
  private final @Nullable List<String> refreshPath;

  private final List<String> logoutPath;
  private final int[] expiredStatusCodes;
  private final long refreshAheadMillis;
  private final Session session;
  private final TokenRefresher refresher;
  private final Clock clock;

  /** {@link Clock#nanoTime()} before which no refresh-ahead is attempted. */
  private volatile long proactiveBackoffUntilNanos;

  AuthPolicy(
      HttpUrl baseUrl,
      HttpUrl logoutUrl,
      int[] expiredStatusCodes,
      long refreshAheadMillis,
      Session session,
      Clock clock) {
    this.scheme = baseUrl.scheme();
    this.host = baseUrl.host();
    this.port = baseUrl.port();
    HttpUrl endpoint = session.calls.protocol.endpoint();
    this.refreshPath = isOrigin(endpoint, baseUrl) ? endpoint.pathSegments() : null;
    this.logoutPath = logoutUrl.pathSegments();
    this.expiredStatusCodes = expiredStatusCodes.clone();
    this.refreshAheadMillis = refreshAheadMillis;
    this.session = session;
    this.refresher = session.refresher;
    this.clock = clock;
    this.proactiveBackoffUntilNanos = clock.nanoTime();
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (!appliesTo(request)) return chain.proceed(request);

    Response response = chain.proceed(authorize(request));
    if (response.code() == 401) return response; // The authenticator already had its turn.
    Request replay = replay(response);
    if (replay == null) return response;
    response.close();
    return chain.proceed(replay);
  }

  /** Answers a 401 from our origin with the request to replay; ignores proxy challenges (407). */
  @Override
  public @Nullable Request authenticate(@Nullable Route route, Response response)
      throws IOException {
    if (response.code() != 401) return null;
    return replay(response);
  }

  /** Returns true if {@code request} is ours to authorize. */
  boolean appliesTo(Request request) {
    HttpUrl url = request.url();
    return isOurOrigin(url)
        && request.header(AUTHORIZATION) == null
        && request.tag(SkipAuth.class) == null
        && (refreshPath == null || !isPath(url, refreshPath))
        && !isPath(url, logoutPath);
  }

  /**
   * Returns {@code request} with the current bearer, refreshing first when the token is about to
   * expire.
   */
  Request authorize(Request request) throws IOException {
    TokenState current = session.currentState();
    if (shouldRefreshAhead(current)) {
      RefreshEvent.Cause cause =
          current.stored ? RefreshEvent.Cause.COLD_START : RefreshEvent.Cause.AHEAD;
      try {
        refresher.tryRefresh(current.token, cause, false);
      } catch (IOException e) {
        rethrowIfInterrupted(e);
        proactiveBackoffUntilNanos = clock.nanoTime() + PROACTIVE_BACKOFF_NANOS;
      }
      current = session.currentState();
    }
    if (current.token == null) return request.newBuilder().tag(AuthTag.class, current.tag).build();
    return request
        .newBuilder()
        .header(AUTHORIZATION, current.header)
        .tag(AuthTag.class, current.tag)
        .build();
  }

  private boolean shouldRefreshAhead(TokenState current) {
    if (refreshAheadMillis <= 0) return false;
    if (clock.nanoTime() - proactiveBackoffUntilNanos < 0) return false;
    if (current.token == null) return session.canRefresh();
    return current.expiresSoon(session.serverTimeMillis(), refreshAheadMillis);
  }

  /**
   * Returns the request to replay for {@code response}, or null to hand {@code response} to the
   * caller: a request sent with a token that is no longer current is replayed with the current one
   * without refreshing; otherwise one shared refresh, then the replay.
   */
  @Nullable Request replay(Response response) throws IOException {
    Request request = response.request();
    AuthTag tag = request.tag(AuthTag.class);
    if (tag == null || tag.replayed) return null; // Not ours, or already replayed once.
    if (!isExpiredStatus(response.code())) return null;
    if (!isOurOrigin(request.url())) return null; // A redirect took it elsewhere.
    if (!challengeMeansExpiry(response)) return null;
    RequestBody body = request.body();
    if (body != null && body.isOneShot()) return null;

    TokenState current = session.currentState();
    String token;
    if (current.token != null && !current.token.equals(tag.token)) {
      token = current.token; // Someone refreshed since this request left: replay, do not refresh.
    } else if (current.token == null && !session.canRefresh()) {
      return null; // Nothing to refresh with.
    } else {
      try {
        token =
            refresher.tryRefresh(
                tag.token, RefreshEvent.Cause.expiredStatus(response.code()), false);
      } catch (IOException e) {
        rethrowIfInterrupted(e);
        return null; // Rejected or failed: the caller gets the original response.
      }
    }
    return request
        .newBuilder()
        .header(AUTHORIZATION, "Bearer " + token)
        .tag(AuthTag.class, new AuthTag(token, true))
        .build();
  }

  /**
   * Reads a 401's challenges (RFC 6750 section 3): a refresh helps only when the Bearer challenge
   * says {@code invalid_token} or names no error. Another scheme alone, {@code insufficient_scope}
   * and {@code invalid_request} are not an expired token. Without a challenge, it refreshes.
   */
  static boolean challengeMeansExpiry(Response response) {
    if (response.code() != 401) return true;
    List<Challenge> challenges = response.challenges();
    if (challenges.isEmpty()) return true;
    for (Challenge challenge : challenges) {
      if (challenge.scheme().equalsIgnoreCase("Bearer")) {
        String error = challenge.authParams().get("error");
        return !"insufficient_scope".equals(error) && !"invalid_request".equals(error);
      }
    }
    return false;
  }

  private static boolean isOrigin(HttpUrl url, HttpUrl origin) {
    return url.port() == origin.port()
        && url.host().equals(origin.host())
        && url.scheme().equals(origin.scheme());
  }

  private boolean isOurOrigin(HttpUrl url) {
    return url.port() == port && url.host().equals(host) && url.scheme().equals(scheme);
  }

  private static boolean isPath(HttpUrl url, List<String> segments) {
    return url.pathSize() == segments.size() && url.pathSegments().equals(segments);
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

  @Override
  public String toString() {
    return "TokenPairAuth.AuthPolicy";
  }
}
