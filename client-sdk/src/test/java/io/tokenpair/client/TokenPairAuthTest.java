package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(20)
final class TokenPairAuthTest {
  @StartStop public final MockWebServer server = new MockWebServer();
  @StartStop public final MockWebServer otherHost = new MockWebServer();

  private final FakeTokenServer tokens = new FakeTokenServer();
  private final FakeClock clock = new FakeClock();
  private final RecordingListener listener = new RecordingListener();
  private final ExecutorService callers = Executors.newCachedThreadPool();
  private TokenPairAuth auth;
  private OkHttpClient client;

  @BeforeEach
  void setUp() {
    server.setDispatcher(tokens);
    tokens.nowSeconds = clock.currentTimeMillis() / 1000;
    use(builder());
  }

  @AfterEach
  void tearDown() {
    callers.shutdownNow();
    tokens.refreshGate = null;
    tokens.slowGate.countDown();
  }

  private TokenPairAuth.Builder builder() {
    return TokenPairAuth.builder()
        .baseUrl(server.url("/"))
        .listener(listener)
        .refreshAhead(0, TimeUnit.SECONDS)
        .clock(clock);
  }

  private void use(TokenPairAuth.Builder builder) {
    auth = builder.build();
    client = auth.install(new OkHttpClient.Builder()).build();
  }

  private Request loginRequest(String password) {
    String json = "{\"username\":\"demo\",\"password\":\"" + password + "\"}";
    return new Request.Builder()
        .url(server.url("/auth/login"))
        .post(RequestBody.create(json, MediaType.get("application/json")))
        .build();
  }

  private String signIn() throws IOException {
    return auth.login(loginRequest("secret"));
  }

  private Request get(String path) {
    return new Request.Builder().url(server.url(path)).build();
  }

  private int status(String path) throws IOException {
    try (Response response = client.newCall(get(path)).execute()) {
      return response.code();
    }
  }

  private Future<Integer> statusLater(String path) {
    return callers.submit(() -> status(path));
  }

  private List<RecordedRequest> requestsTo(String path) {
    List<RecordedRequest> result = new ArrayList<>();
    for (RecordedRequest request : tokens.requests) {
      if (request.getUrl().encodedPath().equals(path)) result.add(request);
    }
    return result;
  }

  // Single flight.

  @Test
  void concurrentExpiredCallsShareOneRefresh() throws Exception {
    signIn();
    tokens.expireAccessToken();
    int n = 8;
    tokens.refreshGate = new CountDownLatch(1);
    tokens.expiredAnswered = new CountDownLatch(n);
    CyclicBarrier barrier = new CyclicBarrier(n);
    List<Future<Integer>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String path = "/api/item/" + i;
      results.add(
          callers.submit(
              () -> {
                barrier.await();
                return status(path);
              }));
    }
    tokens.expiredAnswered.await();
    tokens.refreshGate.countDown();

    for (Future<Integer> result : results) assertThat(result.get()).isEqualTo(200);
    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(tokens.apiCalls).hasValue(2 * n);
    assertThat(listener.refreshed).containsExactly(tokens.accessToken);
    assertThat(auth.accessToken()).isEqualTo(tokens.accessToken);
  }

  @Test
  void concurrentEnqueuedExpiredCallsShareOneRefresh() throws Exception {
    int n = 16;
    client.dispatcher().setMaxRequestsPerHost(n);
    signIn();
    tokens.expireAccessToken();
    tokens.refreshGate = new CountDownLatch(1);
    tokens.expiredAnswered = new CountDownLatch(n);
    RecordingCallback callback = new RecordingCallback(n);
    for (int i = 0; i < n; i++) client.newCall(get("/api/item/" + i)).enqueue(callback);
    tokens.expiredAnswered.await();
    tokens.refreshGate.countDown();

    callback.done.await();
    assertThat(callback.codes()).hasSize(n).containsOnly(200);
    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(tokens.apiCalls).hasValue(2 * n);
    assertThat(listener.refreshed).hasSize(1);
  }

  @Test
  void sixtyFourEnqueuedCallsWithFivePerHostDoNotDeadlock() throws Exception {
    assertThat(client.dispatcher().getMaxRequestsPerHost()).isEqualTo(5);
    signIn();
    tokens.expireAccessToken();
    tokens.refreshGate = new CountDownLatch(1);
    tokens.expiredAnswered = new CountDownLatch(5);
    RecordingCallback callback = new RecordingCallback(64);
    for (int i = 0; i < 64; i++) client.newCall(get("/api/item/" + i)).enqueue(callback);
    tokens.expiredAnswered.await(); // Every dispatcher slot now waits for the refresh.
    tokens.refreshGate.countDown();

    callback.done.await();
    assertThat(callback.codes()).hasSize(64).containsOnly(200);
    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(tokens.apiCalls).hasValue(64 + 5);
  }

  // Token identity and the retry guard.

  @Test
  void lateFailureOfAnOldTokenIsReplayedWithTheCurrentTokenWithoutRefreshing() throws Exception {
    signIn();
    Future<Integer> slow = statusLater("/api/slow"); // Leaves with the first token.
    tokens.slowArrived.await();
    tokens.expireAccessToken();
    assertThat(status("/api/fast")).isEqualTo(200); // Refreshes.
    clock.advance(10, TimeUnit.MINUTES); // Far beyond the grace window.
    tokens.slowGate.countDown(); // Now the slow call meets its stale token.

    assertThat(slow.get()).isEqualTo(200);
    assertThat(tokens.refreshCalls).hasValue(1);
    List<RecordedRequest> slowRequests = requestsTo("/api/slow");
    assertThat(slowRequests).hasSize(2);
    assertThat(slowRequests.get(1).getHeaders().get("Authorization"))
        .isEqualTo("Bearer " + tokens.accessToken);
  }

  @ParameterizedTest
  @ValueSource(ints = {401, 419})
  void requestIsReplayedAtMostOnceWhenTheServerAlwaysRejects(int code) throws Exception {
    signIn();
    tokens.apiStatusOverride = code;
    assertThat(status("/api/a")).isEqualTo(code);
    assertThat(status("/api/b")).isEqualTo(code);

    assertThat(tokens.calls("/api/a")).isEqualTo(2);
    assertThat(tokens.calls("/api/b")).isEqualTo(2);
    assertThat(tokens.refreshCalls).hasValue(2); // One per request, never a loop.
  }

  @ParameterizedTest
  @ValueSource(ints = {401, 419})
  void expiredStatusIsRefreshedAndReplayed(int code) throws Exception {
    tokens.expiredStatus = code;
    signIn();
    tokens.expireAccessToken();
    assertThat(status("/api/me")).isEqualTo(200);
    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(tokens.calls("/api/me")).isEqualTo(2);
  }

  @Test
  void status401GoesThroughTheAuthenticatorAndOthersThroughTheInterceptor() {
    assertThat(client.authenticator()).isInstanceOf(AuthPolicy.class);
    assertThat(client.interceptors()).containsExactly((AuthPolicy) client.authenticator());
  }

  @Test
  void statusOutsideTheExpiredCodesIsNotRefreshed() throws Exception {
    use(builder().expiredStatusCodes(419));
    signIn();
    tokens.expireAccessToken();
    assertThat(status("/api/me")).isEqualTo(401);
    assertThat(tokens.refreshCalls).hasValue(0);
  }

  @Test
  void authEndpointsCalledThroughTheClientAreNeverIntercepted() throws Exception {
    signIn();
    tokens.refreshStatus = 401;
    Request refresh =
        new Request.Builder().url(server.url("/auth/refresh")).post(RequestBody.EMPTY).build();
    try (Response response = client.newCall(refresh).execute()) {
      assertThat(response.code()).isEqualTo(401);
    }
    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(requestsTo("/auth/refresh").get(0).getHeaders().get("Authorization")).isNull();
    assertThat(listener.expired).hasValue(0);
  }

  // Refresh rejected, refresh failed.

  @Test
  void rejectedRefreshExpiresTheSessionOnceAndHandsEachCallerItsOriginalResponse()
      throws Exception {
    signIn();
    tokens.expireAccessToken();
    tokens.refreshStatus = 401;
    int n = 6;
    tokens.refreshGate = new CountDownLatch(1);
    tokens.expiredAnswered = new CountDownLatch(n);
    List<Future<Response>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String path = "/api/item/" + i;
      results.add(callers.submit(() -> client.newCall(get(path)).execute()));
    }
    tokens.expiredAnswered.await();
    tokens.refreshGate.countDown();

    for (Future<Response> result : results) {
      try (Response response = result.get()) {
        assertThat(response.code()).isEqualTo(401);
        assertThat(response.body().string()).contains("token_expired");
      }
    }
    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(tokens.apiCalls).hasValue(n);
    assertThat(listener.expired).hasValue(1);
    assertThat(auth.accessToken()).isNull();
    assertThat(auth.toString()).contains("signedIn=false");

    // Signed out: no token, no cookie, so no further refresh.
    assertThat(status("/api/me")).isEqualTo(401);
    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(requestsTo("/api/me").get(0).getHeaders().get("Authorization")).isNull();
  }

  @Test
  void callerThatLookedBeforeTheSessionEndedDoesNotRefreshOrAnnounceItAgain() throws Exception {
    String token = signIn();
    tokens.expireAccessToken();
    tokens.refreshStatus = 401;
    assertThat(status("/api/me")).isEqualTo(401); // The refresh is refused: the session ends.
    assertThat(listener.expired).hasValue(1);

    // A caller that read the old token just before that refresh ended the session asks only now.
    clock.advance(1, TimeUnit.SECONDS);
    assertThatThrownBy(() -> auth.session.refresher.tryRefresh(token))
        .isInstanceOf(IOException.class)
        .hasRootCauseMessage("There is no session to refresh.");
    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(listener.expired).hasValue(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 403})
  void refreshAnswering400Or403AlsoEndsTheSession(int code) throws Exception {
    signIn();
    tokens.expireAccessToken();
    tokens.refreshStatus = code;
    assertThat(status("/api/me")).isEqualTo(401);
    assertThat(listener.expired).hasValue(1);
    assertThat(auth.accessToken()).isNull();
  }

  @Test
  void noRefreshIsAttemptedWithoutCookieOrToken() throws Exception {
    assertThat(status("/api/me")).isEqualTo(401);
    assertThat(tokens.refreshCalls).hasValue(0);
    assertThat(listener.expired).hasValue(0);
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 503, 502}) // a 429 now carries Retry-After: 1, as the demo server's
  void transientRefreshFailureKeepsTheSession(int code) throws Exception {
    signIn();
    tokens.expireAccessToken();
    String expired = tokens.accessToken;
    tokens.refreshStatus = code;
    assertThat(status("/api/me")).isEqualTo(401);
    assertThat(listener.expired).hasValue(0);
    assertThat(auth.accessToken()).isNotNull();

    tokens.refreshStatus = 0; // The server recovers; the kept cookie still works.
    assertThat(status("/api/me")).isEqualTo(200);
    assertThat(tokens.refreshCalls).hasValue(2);
    assertThat(auth.accessToken()).isEqualTo(tokens.accessToken).isNotEqualTo(expired);
  }

  @Test
  void refreshConnectionFailureKeepsTheSession() throws Exception {
    signIn();
    tokens.expireAccessToken();
    tokens.refreshDisconnects = true;
    assertThat(status("/api/me")).isEqualTo(401);
    assertThat(listener.expired).hasValue(0);

    tokens.refreshDisconnects = false;
    assertThat(status("/api/me")).isEqualTo(200);
    assertThat(listener.refreshed).hasSize(1);
  }

  @Test
  void refreshTimeoutKeepsTheSession() throws Exception {
    use(builder().refreshTimeout(100, TimeUnit.MILLISECONDS));
    signIn();
    tokens.expireAccessToken();
    tokens.refreshGate = new CountDownLatch(1); // Never opened during the call.
    assertThat(status("/api/me")).isEqualTo(401);
    assertThat(listener.expired).hasValue(0);
    assertThat(auth.accessToken()).isNotNull();
    tokens.refreshGate.countDown();
  }

  // The cookie jar and the order of storage.

  @Test
  void rotatedCookieIsStoredBeforeTheNewTokenIsReleased() throws Exception {
    CookieStore cookies = CookieStore.inMemory();
    List<String> cookieAtTokenSave = new ArrayList<>();
    TokenStore tokenStore =
        new TokenStore() {
          volatile String token;

          @Override
          public String loadAccessToken() {
            return token;
          }

          @Override
          public void saveAccessToken(String accessToken) throws IOException {
            cookieAtTokenSave.add(rtValue(cookies));
            token = accessToken;
          }
        };
    List<String> cookieAtListener = new ArrayList<>();
    use(
        builder()
            .cookieStore(cookies)
            .tokenStore(tokenStore)
            .listener(
                new SessionListener() {
                  @Override
                  public void onRefreshed(String accessToken) {
                    cookieAtListener.add(rtValue(cookies));
                  }
                }));
    signIn();
    tokens.expireAccessToken();
    assertThat(status("/api/me")).isEqualTo(200);

    assertThat(cookieAtTokenSave).containsExactly("refresh-1", "refresh-2");
    assertThat(cookieAtListener).containsExactly("refresh-2");
    assertThat(requestsTo("/auth/refresh").get(0).getHeaders().get("Cookie"))
        .isEqualTo("rt=refresh-1");
  }

  private static String rtValue(CookieStore store) {
    try {
      for (okhttp3.Cookie cookie : store.loadCookies()) {
        if (cookie.name().equals("rt")) return cookie.value();
      }
      return null;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void refreshCookieIsSentOnlyToTheAuthPath() throws Exception {
    signIn();
    status("/api/me");
    assertThat(requestsTo("/api/me").get(0).getHeaders().get("Cookie")).isNull();
  }

  // Proactive refresh.

  @Test
  void jwtAboutToExpireIsRefreshedBeforeTheCall() throws Exception {
    tokens.jwtLifetimeSeconds = 600;
    use(builder().refreshAhead(30, TimeUnit.SECONDS));
    signIn();
    clock.advance(575, TimeUnit.SECONDS); // 25 s left.
    assertThat(status("/api/me")).isEqualTo(200);

    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(tokens.expiredAnswers).hasValue(0);
    assertThat(tokens.calls("/api/me")).isEqualTo(1);
  }

  @Test
  void jwtWithTimeToSpareIsNotRefreshed() throws Exception {
    tokens.jwtLifetimeSeconds = 600;
    use(builder().refreshAhead(30, TimeUnit.SECONDS));
    signIn();
    clock.advance(565, TimeUnit.SECONDS); // 35 s left: outside the margin.
    assertThat(status("/api/me")).isEqualTo(200);
    assertThat(tokens.refreshCalls).hasValue(0);
  }

  @Test
  void shortLivedJwtIsRefreshedAtHalfItsLifetimeNotOnEveryCall() throws Exception {
    tokens.jwtLifetimeSeconds = 20; // Shorter than the 30 s margin.
    use(builder().refreshAhead(30, TimeUnit.SECONDS));
    signIn();
    clock.advance(9, TimeUnit.SECONDS);
    assertThat(status("/api/a")).isEqualTo(200);
    assertThat(tokens.refreshCalls).hasValue(0);
    clock.advance(2, TimeUnit.SECONDS);
    tokens.nowSeconds = clock.currentTimeMillis() / 1000;
    assertThat(status("/api/b")).isEqualTo(200);
    assertThat(status("/api/c")).isEqualTo(200);
    assertThat(tokens.refreshCalls).hasValue(1);
  }

  @Test
  void concurrentCallsNearExpiryShareOneProactiveRefresh() throws Exception {
    tokens.jwtLifetimeSeconds = 600;
    use(builder().refreshAhead(30, TimeUnit.SECONDS));
    signIn();
    clock.advance(590, TimeUnit.SECONDS);
    int n = 8;
    tokens.refreshGate = new CountDownLatch(1);
    List<Future<Integer>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) results.add(statusLater("/api/item/" + i));
    tokens.refreshArrived.await();
    Waiters.awaitRefreshWaiters(auth.session.refresher, n);
    tokens.refreshGate.countDown();

    for (Future<Integer> result : results) assertThat(result.get()).isEqualTo(200);
    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(tokens.expiredAnswers).hasValue(0);
  }

  @Test
  void opaqueTokensAreRefreshedOnlyOnFailure() throws Exception {
    use(builder().refreshAhead(30, TimeUnit.SECONDS));
    signIn();
    clock.advance(1, TimeUnit.DAYS);
    assertThat(status("/api/me")).isEqualTo(200);
    assertThat(tokens.refreshCalls).hasValue(0);
  }

  @Test
  void restartWithOnlyTheCookieRefreshesBeforeTheFirstCall() throws Exception {
    CookieStore cookies = CookieStore.inMemory();
    use(builder().cookieStore(cookies));
    signIn();
    // A new process: the cookie survived, the token did not.
    use(builder().cookieStore(cookies).refreshAhead(30, TimeUnit.SECONDS));
    assertThat(status("/api/me")).isEqualTo(200);
    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(tokens.expiredAnswers).hasValue(0);
  }

  // Where the bearer goes.

  @Test
  void bearerIsNotSentToOtherHostsAndTheirRejectionsAreNotRefreshed() throws Exception {
    signIn();
    otherHost.enqueue(new MockResponse.Builder().code(401).build());
    try (Response response =
        client.newCall(new Request.Builder().url(otherHost.url("/x")).build()).execute()) {
      assertThat(response.code()).isEqualTo(401);
    }
    assertThat(otherHost.takeRequest().getHeaders().get("Authorization")).isNull();
    assertThat(tokens.refreshCalls).hasValue(0);
  }

  @Test
  void crossHostRedirectDropsTheBearerAndIsNotRefreshed() throws Exception {
    signIn();
    tokens.redirectTarget = otherHost.url("/landing").toString();
    otherHost.enqueue(new MockResponse.Builder().code(401).build());
    assertThat(status("/api/redirect")).isEqualTo(401);
    assertThat(requestsTo("/api/redirect").get(0).getHeaders().get("Authorization")).isNotNull();
    assertThat(otherHost.takeRequest().getHeaders().get("Authorization")).isNull();
    assertThat(tokens.refreshCalls).hasValue(0);
  }

  @Test
  void requestMarkedWithoutAuthCarriesNoBearerAndIsNeverRefreshed() throws Exception {
    signIn();
    tokens.expireAccessToken();
    try (Response response =
        client.newCall(TokenPairAuth.withoutAuth(get("/api/public"))).execute()) {
      assertThat(response.code()).isEqualTo(401);
    }
    assertThat(requestsTo("/api/public").get(0).getHeaders().get("Authorization")).isNull();
    assertThat(tokens.refreshCalls).hasValue(0);
  }

  @Test
  void requestWithItsOwnAuthorizationIsLeftAlone() throws Exception {
    signIn();
    Request own = get("/api/me").newBuilder().header("Authorization", "Basic Zm9vOmJhcg==").build();
    try (Response response = client.newCall(own).execute()) {
      assertThat(response.code()).isEqualTo(401);
    }
    assertThat(requestsTo("/api/me").get(0).getHeaders().get("Authorization"))
        .isEqualTo("Basic Zm9vOmJhcg==");
    assertThat(tokens.refreshCalls).hasValue(0);
  }

  @Test
  void tokensNeverAppearInToStringsOrMessages() throws Exception {
    String token = signIn();
    AtomicReference<String> seen = new AtomicReference<>();
    OkHttpClient spying =
        auth.install(
                new OkHttpClient.Builder()
                    .addNetworkInterceptor(
                        chain -> {
                          seen.set(chain.request().toString());
                          return chain.proceed(chain.request());
                        }))
            .build();
    spying.newCall(get("/api/me")).execute().close();

    assertThat(seen.get()).doesNotContain(token).contains("██");
    assertThat(auth.toString()).doesNotContain(token).contains("signedIn=true");
    assertThat(AuthTag.REPLAY.toString()).doesNotContain(token);
    assertThat(TokenState.loaded(token, null).toString()).doesNotContain(token);
    AuthResponseException failure = new AuthResponseException("Login", 401, "invalid_credentials");
    assertThat(failure).hasMessage("Login failed: HTTP 401 (invalid_credentials).");
  }

  // Cancellation.

  @Test
  void interruptedCallerDoesNotCancelTheSharedRefresh() throws Exception {
    signIn();
    tokens.expireAccessToken();
    tokens.refreshGate = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                status("/api/me");
              } catch (Throwable t) {
                failure.set(t);
              }
            });
    caller.start();
    tokens.refreshArrived.await();
    Waiters.awaitRefreshWaiters(auth.session.refresher, 1);
    caller.interrupt();
    caller.join();
    assertThat(failure.get()).isInstanceOf(InterruptedIOException.class);

    tokens.refreshGate.countDown();
    assertThat(status("/api/me")).isEqualTo(200);
    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(listener.refreshed).containsExactly(tokens.accessToken);
  }

  @Test
  void cancelledCallDoesNotCancelTheSharedRefresh() throws Exception {
    signIn();
    tokens.expireAccessToken();
    tokens.refreshGate = new CountDownLatch(1);
    RecordingCallback callback = new RecordingCallback(1);
    Call call = client.newCall(get("/api/me"));
    call.enqueue(callback);
    tokens.refreshArrived.await();
    call.cancel();
    tokens.refreshGate.countDown();
    callback.done.await();

    assertThat(callback.failures).hasSize(1);
    assertThat(status("/api/other")).isEqualTo(200);
    assertThat(tokens.refreshCalls).hasValue(1);
    assertThat(listener.refreshed).hasSize(1);
  }

  // Login and logout.

  @Test
  void loginKeepsTheTokenAndTheRefreshCookie() throws Exception {
    String token = signIn();
    assertThat(token).isEqualTo(tokens.accessToken);
    assertThat(auth.accessToken()).isEqualTo(token);
    assertThat(status("/api/me")).isEqualTo(200);
    tokens.expireAccessToken();
    assertThat(status("/api/me")).isEqualTo(200); // The cookie refreshed it.
    assertThat(tokens.refreshCalls).hasValue(1);
  }

  @Test
  void failedLoginThrowsAndChangesNothing() throws Exception {
    String token = signIn();
    AuthResponseException failure =
        (AuthResponseException) catchIOException(() -> auth.login(loginRequest("wrong")));
    assertThat(failure.code()).isEqualTo(401);
    assertThat(failure.error()).isEqualTo("invalid_credentials");
    assertThat(failure).hasMessage("Login failed: HTTP 401 (invalid_credentials).");
    assertThat(auth.accessToken()).isEqualTo(token);

    tokens.expireAccessToken(); // The rt cookie survived the failed login's Max-Age=0.
    assertThat(status("/api/me")).isEqualTo(200);
  }

  @Test
  void loginResponseWithoutTokenThrowsAndChangesNothing() {
    server.setDispatcher(new mockwebserver3.QueueDispatcher());
    server.enqueue(
        new MockResponse.Builder()
            .body("{\"data\":{}}")
            .addHeader("Set-Cookie", "rt=orphan; Path=/auth; HttpOnly")
            .build());
    assertThatThrownBy(() -> auth.login(loginRequest("secret")))
        .isInstanceOf(IOException.class)
        .hasMessage("The login response has no access token at /data/access_token.");
    assertThat(auth.accessToken()).isNull();
  }

  @Test
  void logoutPostsTheCookieThenForgetsTheSession() throws Exception {
    String token = signIn();
    auth.logout();

    RecordedRequest logout = requestsTo("/auth/logout").get(0);
    assertThat(logout.getMethod()).isEqualTo("POST");
    assertThat(logout.getHeaders().get("Cookie")).isEqualTo("rt=refresh-1");
    assertThat(logout.getHeaders().get("Authorization")).isEqualTo("Bearer " + token);
    assertThat(auth.accessToken()).isNull();

    assertThat(status("/api/me")).isEqualTo(401);
    assertThat(tokens.refreshCalls).hasValue(0);
    assertThat(listener.expired).hasValue(0);
  }

  @Test
  void logoutWhileOfflineStillForgetsTheSession() throws Exception {
    signIn();
    server.close();
    auth.logout();
    assertThat(auth.accessToken()).isNull();
  }

  @Test
  void refreshFinishingAfterLogoutDoesNotReviveTheSession() throws Exception {
    signIn();
    tokens.expireAccessToken();
    tokens.refreshGate = new CountDownLatch(1);
    Future<Integer> pending = statusLater("/api/me");
    tokens.refreshArrived.await();
    auth.logout();
    tokens.refreshGate.countDown(); // The server answers 200 with a rotated cookie.

    assertThat(pending.get()).isEqualTo(401);
    assertThat(auth.accessToken()).isNull();
    assertThat(listener.refreshed).isEmpty();
    assertThat(status("/api/me")).isEqualTo(401);
    assertThat(tokens.refreshCalls).hasValue(1); // No cookie left to refresh with.
  }

  @Test
  void setAccessTokenIsUsedForTheNextCall() throws Exception {
    signIn();
    String current = tokens.accessToken;
    auth.setAccessToken(null);
    auth.setAccessToken(current);
    assertThat(status("/api/me")).isEqualTo(200);
    assertThat(requestsTo("/api/me").get(0).getHeaders().get("Authorization"))
        .isEqualTo("Bearer " + current);
  }

  @Test
  void throwingListenerDoesNotBreakTheRefresh() throws Exception {
    use(
        builder()
            .listener(
                new SessionListener() {
                  @Override
                  public void onRefreshed(String accessToken) {
                    throw new IllegalStateException("app bug");
                  }
                }));
    signIn();
    tokens.expireAccessToken();
    assertThat(status("/api/me")).isEqualTo(200);
    assertThat(auth.accessToken()).isEqualTo(tokens.accessToken);
  }

  // Builder.

  @Test
  void builderRequiresABaseUrl() {
    assertThatThrownBy(() -> TokenPairAuth.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Base URL required.");
  }

  @Test
  void builderRejectsWhatIsNotAJsonPointer() {
    assertThatThrownBy(() -> TokenPairAuth.builder().accessTokenPointer("data/access_token"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("accessTokenPointer is not a JSON Pointer: data/access_token");
    // RFC 6901: after '~' comes 0 or 1.
    assertThatThrownBy(() -> TokenPairAuth.builder().loginTokenPointer("/data/a~2b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("loginTokenPointer is not a JSON Pointer: /data/a~2b");
    assertThatThrownBy(() -> TokenPairAuth.builder().loginTokenPointer("/data~"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("loginTokenPointer is not a JSON Pointer: /data~");
  }

  @Test
  void builderRejectsBaseUrlWithoutTrailingSlash() {
    assertThatThrownBy(() -> TokenPairAuth.builder().baseUrl("https://api.example.com/v1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("baseUrl must end in /: https://api.example.com/v1");
  }

  @Test
  void builderRejectsAuthPathsOnAnotherOrigin() {
    assertThatThrownBy(
            () ->
                TokenPairAuth.builder()
                    .baseUrl("https://api.example.com/")
                    .refreshPath("https://evil.example/refresh")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("refreshPath must stay on the base URL's origin: https://evil.example/refresh");
  }

  @Test
  void builderRefusesACleartextBaseUrlOnAnotherHost() {
    assertThatThrownBy(() -> TokenPairAuth.builder().baseUrl("http://api.example.com/").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "baseUrl uses cleartext http to api.example.com. Use https, or"
                + " allowCleartext(\"api.example.com\") for development only (such as the"
                + " Android emulator's host 10.0.2.2).");
  }

  @Test
  void builderRefusesACleartextTokenEndpointOnAnotherHost() {
    RefreshProtocol oauth2 =
        RefreshProtocol.oauth2(okhttp3.HttpUrl.get("http://sso.example.com/token"), "app");
    assertThatThrownBy(
            () ->
                TokenPairAuth.builder()
                    .baseUrl("https://api.example.com/")
                    .refreshProtocol(oauth2)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "The refresh endpoint uses cleartext http to sso.example.com. Use https, or"
                + " allowCleartext(\"sso.example.com\") for development only (such as the"
                + " Android emulator's host 10.0.2.2).");
  }

  @Test
  void builderRefusesACustomProtocolWithACleartextEndpoint() {
    RefreshProtocol custom =
        new OAuth2SessionTest.JsonBodyProtocol(okhttp3.HttpUrl.get("http://10.0.2.2:8080/refresh"));
    assertThatThrownBy(
            () ->
                TokenPairAuth.builder()
                    .baseUrl("https://api.example.com/")
                    .refreshProtocol(custom)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("The refresh endpoint uses cleartext http to 10.0.2.2.");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://localhost:8080/",
        "http://127.0.0.1/",
        "http://127.45.6.7:9000/",
        "http://[::1]:8080/"
      })
  void builderAllowsCleartextToLoopback(String baseUrl) {
    TokenPairAuth.builder()
        .baseUrl(baseUrl)
        .refreshProtocol(RefreshProtocol.oauth2(okhttp3.HttpUrl.get(baseUrl + "token"), "app"))
        .build();
  }

  @Test
  void builderAllowsCleartextToAHostOptedInForDevelopment() {
    TokenPairAuth.builder().baseUrl("http://10.0.2.2:8080/").allowCleartext("10.0.2.2").build();
    TokenPairAuth.builder()
        .baseUrl("https://api.example.com/")
        .refreshProtocol(
            RefreshProtocol.oauth2(okhttp3.HttpUrl.get("http://SSO.test:8080/token"), "app"))
        .allowCleartext("sso.TEST")
        .build();
    assertThatThrownBy(() -> TokenPairAuth.builder().allowCleartext("not a host"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("allowCleartext: not a host name or address: not a host");
  }

  @Test
  void installingTwiceOnOneBuilderFails() {
    OkHttpClient.Builder builder = auth.install(new OkHttpClient.Builder());
    assertThatThrownBy(() -> auth.install(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("This TokenPairAuth is already installed on this builder.");
  }

  private static IOException catchIOException(IoAction action) {
    try {
      action.run();
    } catch (IOException e) {
      return e;
    }
    throw new AssertionError("expected an IOException");
  }

  interface IoAction {
    void run() throws IOException;
  }

  static final class RecordingCallback implements Callback {
    final CountDownLatch done;
    final List<Integer> codes = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<IOException> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

    RecordingCallback(int calls) {
      done = new CountDownLatch(calls);
    }

    List<Integer> codes() {
      return codes;
    }

    @Override
    public void onResponse(Call call, Response response) {
      codes.add(response.code());
      response.close();
      done.countDown();
    }

    @Override
    public void onFailure(Call call, IOException e) {
      failures.add(e);
      done.countDown();
    }
  }
}
