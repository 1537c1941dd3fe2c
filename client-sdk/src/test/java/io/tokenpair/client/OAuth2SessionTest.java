package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenpair.client.RefreshEvent.Outcome;
import io.tokenpair.client.RefreshEvent.Trigger;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.FormBody;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK with {@link RefreshProtocol#oauth2}: the API on one origin, the token endpoint on
 * another, scripted answers, exact counts.
 */
@Timeout(20)
final class OAuth2SessionTest {
  @StartStop public final MockWebServer api = new MockWebServer();
  @StartStop public final MockWebServer idp = new MockWebServer();
  @TempDir File folder;

  private final FakeClock clock = new FakeClock();
  private final RecordingListener listener = new RecordingListener();
  private final ExecutorService callers = Executors.newCachedThreadPool();

  /** The access tokens the API accepts now. */
  private final Set<String> valid = new CopyOnWriteArraySet<>();

  /** What the API answers a token it does not accept with. */
  private volatile String challenge = "Bearer realm=\"api\", error=\"invalid_token\"";

  private final List<String> bearersSeenByTheApi = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    api.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            String authorization = request.getHeaders().get("Authorization");
            String token = authorization != null ? authorization.substring(7) : "";
            bearersSeenByTheApi.add(token);
            if (valid.contains(token)) return new MockResponse.Builder().body("ok").build();
            return new MockResponse.Builder()
                .code(401)
                .addHeader("WWW-Authenticate", challenge)
                .build();
          }
        });
  }

  @AfterEach
  void tearDown() {
    callers.shutdownNow();
  }

  private OAuth2RefreshProtocol protocol() {
    return RefreshProtocol.oauth2(idp.url("/realms/app/token"), "my-app");
  }

  private TokenPairAuth.Builder builder() {
    return TokenPairAuth.builder()
        .baseUrl(api.url("/"))
        .refreshProtocol(protocol())
        .refreshAhead(0, TimeUnit.SECONDS)
        .listener(listener)
        .clock(clock);
  }

  private static MockResponse tokens(String accessToken, String refreshToken) {
    String rt = refreshToken != null ? ",\"refresh_token\":\"" + refreshToken + "\"" : "";
    return new MockResponse.Builder()
        .addHeader("Content-Type", "application/json")
        .addHeader("Cache-Control", "no-store")
        .body(
            "{\"access_token\":\""
                + accessToken
                + "\",\"token_type\":\"Bearer\",\"expires_in\":300"
                + rt
                + "}")
        .build();
  }

  private static MockResponse error(int code, String error) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/json")
        .body("{\"error\":\"" + error + "\"}")
        .build();
  }

  private int call(OkHttpClient client) throws IOException {
    try (Response response =
        client.newCall(new Request.Builder().url(api.url("/api/me")).build()).execute()) {
      return response.code();
    }
  }

  private static String presented(RecordedRequest refresh) {
    String body = refresh.getBody().utf8();
    for (String pair : body.split("&")) {
      if (pair.startsWith("refresh_token=")) return pair.substring("refresh_token=".length());
    }
    return null;
  }

  @Test
  void expiredCallIsRefreshedAtTheTokenEndpointAndTheRotationIsKept() throws Exception {
    TokenStore store = TokenStore.inMemory();
    TokenPairAuth auth = builder().tokenStore(store).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn("at-1", "rt-1");
    valid.add("at-2");
    idp.enqueue(tokens("at-2", "rt-2"));

    assertThat(call(client)).isEqualTo(200);
    RecordedRequest refresh = idp.takeRequest();
    assertThat(refresh.getUrl().encodedPath()).isEqualTo("/realms/app/token");
    assertThat(refresh.getUrl().query()).isNull();
    assertThat(presented(refresh)).isEqualTo("rt-1");
    assertThat(refresh.getHeaders().get("Authorization")).isNull(); // No bearer to the IdP.
    assertThat(bearersSeenByTheApi).containsExactly("at-1", "at-2");
    assertThat(store.loadRefreshToken()).isEqualTo("rt-2");
    assertThat(store.loadAccessToken()).isEqualTo("at-2");

    // An answer without a refresh token keeps the rotated one.
    valid.clear();
    valid.add("at-3");
    idp.enqueue(tokens("at-3", null));
    clock.advance(1, TimeUnit.SECONDS);
    assertThat(call(client)).isEqualTo(200);
    assertThat(presented(idp.takeRequest())).isEqualTo("rt-2");
    assertThat(store.loadRefreshToken()).isEqualTo("rt-2");
    assertThat(idp.getRequestCount()).isEqualTo(2);
    assertThat(listener.events)
        .extracting(RefreshEvent::trigger, RefreshEvent::status, RefreshEvent::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Trigger.EXPIRED_STATUS, 401, Outcome.REFRESHED),
            org.assertj.core.groups.Tuple.tuple(Trigger.EXPIRED_STATUS, 401, Outcome.REFRESHED));
  }

  @Test
  void rotatedRefreshTokenIsStoredBeforeTheNewAccessToken() throws Exception {
    List<String> saves = new CopyOnWriteArrayList<>();
    TokenStore recording =
        new TokenStore() {
          @Override
          public String loadAccessToken() {
            return null;
          }

          @Override
          public void saveAccessToken(String accessToken) {
            saves.add("access " + accessToken);
          }

          @Override
          public void saveRefreshToken(String refreshToken) {
            saves.add("refresh " + refreshToken);
          }

          @Override
          public boolean keepsRefreshTokens() {
            return true;
          }
        };
    TokenPairAuth auth = builder().tokenStore(recording).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn("at-1", "rt-1");
    valid.add("at-2");
    idp.enqueue(tokens("at-2", "rt-2"));
    assertThat(call(client)).isEqualTo(200);
    assertThat(saves).containsExactly("refresh rt-1", "access at-1", "refresh rt-2", "access at-2");
  }

  @Test
  void fiftyConcurrentExpiredCallsShareOneRefresh() throws Exception {
    TokenPairAuth auth = builder().build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn("at-1", "rt-1");
    valid.add("at-2");
    idp.enqueue(tokens("at-2", "rt-2"));

    List<Future<Integer>> results = new ArrayList<>();
    for (int i = 0; i < 50; i++) results.add(callers.submit(() -> call(client)));
    for (Future<Integer> result : results) assertThat(result.get()).isEqualTo(200);
    assertThat(idp.getRequestCount()).isEqualTo(1);
    assertThat(listener.events).hasSize(1);
    assertThat(listener.events.get(0).waiters()).isBetween(1, 50);
  }

  @Test
  void invalidGrantEndsTheSessionOnce() throws Exception {
    TokenStore store = TokenStore.inMemory();
    TokenPairAuth auth = builder().tokenStore(store).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn("at-1", "rt-1");
    idp.enqueue(error(400, "invalid_grant"));

    assertThat(call(client)).isEqualTo(401);
    assertThat(call(client)).isEqualTo(401); // Nothing left to refresh with.
    assertThat(idp.getRequestCount()).isEqualTo(1);
    assertThat(listener.expired).hasValue(1);
    assertThat(store.loadAccessToken()).isNull();
    assertThat(store.loadRefreshToken()).isNull();
    assertThat(listener.events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.outcome()).isEqualTo(Outcome.REJECTED);
              assertThat(((AuthResponseException) e.failure()).error()).isEqualTo("invalid_grant");
            });
  }

  @Test
  void invalidClientFailsTheRefreshButKeepsTheSession() throws Exception {
    TokenStore store = TokenStore.inMemory();
    TokenPairAuth auth = builder().tokenStore(store).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn("at-1", "rt-1");
    idp.enqueue(error(401, "invalid_client"));

    assertThat(call(client)).isEqualTo(401);
    assertThat(listener.expired).hasValue(0);
    assertThat(store.loadRefreshToken()).isEqualTo("rt-1");
    assertThat(listener.events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.outcome()).isEqualTo(Outcome.FAILED);
              assertThat(((AuthResponseException) e.failure()).error()).isEqualTo("invalid_client");
            });
  }

  @Test
  void tooManyRequestsHoldsRefreshesBackForRetryAfter() throws Exception {
    TokenPairAuth auth = builder().build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn("at-1", "rt-1");
    idp.enqueue(
        new MockResponse.Builder().code(429).addHeader("Retry-After", "30").body("{}").build());

    assertThat(call(client)).isEqualTo(401);
    clock.advance(10, TimeUnit.SECONDS);
    assertThat(call(client)).isEqualTo(401);
    assertThat(idp.getRequestCount()).isEqualTo(1); // Held back, not asked again.

    clock.advance(21, TimeUnit.SECONDS);
    valid.add("at-2");
    idp.enqueue(tokens("at-2", "rt-2"));
    assertThat(call(client)).isEqualTo(200);
    assertThat(idp.getRequestCount()).isEqualTo(2);
    assertThat(listener.events)
        .extracting(RefreshEvent::outcome)
        .containsExactly(Outcome.FAILED, Outcome.FAILED, Outcome.REFRESHED);
  }

  @Test
  void opaqueTokenIsRefreshedAheadByItsExpiresIn() throws Exception {
    TokenPairAuth auth = builder().refreshAhead(30, TimeUnit.SECONDS).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    idp.enqueue(tokens("at-1", "rt-1")); // expires_in 300.
    auth.login(
        new Request.Builder()
            .url(idp.url("/realms/app/token"))
            .post(
                new FormBody.Builder()
                    .add("grant_type", "password")
                    .add("username", "demo")
                    .add("password", "pw")
                    .build())
            .build());
    idp.takeRequest();
    valid.add("at-1");
    valid.add("at-2");
    assertThat(call(client)).isEqualTo(200);

    clock.advance(280, TimeUnit.SECONDS); // 20 s left: inside the 30 s margin.
    idp.enqueue(tokens("at-2", "rt-2"));
    assertThat(call(client)).isEqualTo(200);
    assertThat(presented(idp.takeRequest())).isEqualTo("rt-1");
    assertThat(bearersSeenByTheApi).containsExactly("at-1", "at-2"); // No 401 on the wire.
    assertThat(listener.events)
        .extracting(RefreshEvent::trigger)
        .containsExactly(Trigger.AHEAD_OF_EXPIRY);
  }

  @Test
  void signInWithALifetimeRefreshesAnOpaqueTokenAhead() throws Exception {
    TokenPairAuth auth = builder().refreshAhead(30, TimeUnit.SECONDS).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn(TokenGrant.of("at-1", "rt-1", 300, TimeUnit.SECONDS));
    valid.add("at-1");
    valid.add("at-2");
    clock.advance(280, TimeUnit.SECONDS);
    idp.enqueue(tokens("at-2", "rt-2"));
    assertThat(call(client)).isEqualTo(200);
    assertThat(bearersSeenByTheApi).containsExactly("at-2");
    assertThat(presented(idp.takeRequest())).isEqualTo("rt-1");
    assertThatThrownBy(() -> auth.signIn(TokenGrant.of("at-3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pair has no refresh token");
  }

  @Test
  void rotatedRefreshTokenInAnUnusableAnswerIsStillKept() throws Exception {
    TokenStore store = TokenStore.inMemory();
    TokenPairAuth auth = builder().tokenStore(store).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn("at-1", "rt-1");
    idp.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "application/json")
            .body("{\"access_token\":\"at-2\",\"token_type\":\"DPoP\",\"refresh_token\":\"rt-2\"}")
            .build());
    assertThat(call(client)).isEqualTo(401); // Not a Bearer token: the refresh fails...
    assertThat(store.loadRefreshToken()).isEqualTo("rt-2"); // ...but the server has rotated.

    clock.advance(1, TimeUnit.SECONDS);
    valid.add("at-3");
    idp.enqueue(tokens("at-3", "rt-3"));
    assertThat(call(client)).isEqualTo(200);
    idp.takeRequest();
    assertThat(presented(idp.takeRequest())).isEqualTo("rt-2");
  }

  @Test
  void rotatedRefreshTokenIsKeptWhenTheCookieStoreFails() throws Exception {
    TokenStore tokens = TokenStore.inMemory();
    CookieStore failing =
        new CookieStore() {
          @Override
          public List<okhttp3.Cookie> loadCookies() {
            return java.util.Collections.emptyList();
          }

          @Override
          public void saveCookies(List<okhttp3.Cookie> cookies) throws IOException {
            throw new IOException("disk full");
          }
        };
    TokenPairAuth auth = builder().tokenStore(tokens).cookieStore(failing).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn("at-1", "rt-1");
    idp.enqueue(
        tokens("at-2", "rt-2")
            .newBuilder()
            .addHeader("Set-Cookie", "lb=node-7; Max-Age=60")
            .build());
    assertThat(call(client)).isEqualTo(401); // The cookie could not be stored: the refresh fails.
    assertThat(tokens.loadRefreshToken()).isEqualTo("rt-2"); // The rotation is kept regardless.
  }

  @Test
  void refreshFollowsNoRedirect() throws Exception {
    TokenPairAuth auth = builder().build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn("at-1", "rt-1");
    idp.enqueue(
        new MockResponse.Builder()
            .code(307)
            .addHeader("Location", api.url("/stolen").toString())
            .build());
    assertThat(call(client)).isEqualTo(401);
    assertThat(idp.getRequestCount()).isEqualTo(1);
    assertThat(bearersSeenByTheApi).hasSize(1); // Only the call itself; nothing went to /stolen.
    assertThat(listener.expired).hasValue(0);
  }

  @Test
  void aListenerThatRefreshesFromItsOwnRefreshFailsInsteadOfWaitingForItself() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    TokenPairAuth[] holder = new TokenPairAuth[1];
    TokenPairAuth auth =
        builder()
            .refreshTimeout(5, TimeUnit.SECONDS)
            .listener(
                new SessionListener() {
                  @Override
                  public void onRefreshed(String accessToken) {
                    try {
                      holder[0].forceRefresh();
                      seen.add("refreshed again");
                    } catch (IOException e) {
                      seen.add(e.getMessage());
                    }
                  }
                })
            .build();
    holder[0] = auth;
    auth.signIn("at-1", "rt-1");
    idp.enqueue(tokens("at-2", "rt-2"));
    assertThat(auth.forceRefresh()).isEqualTo("at-2");
    assertThat(seen)
        .containsExactly("A refresh cannot wait for itself: called from its own listener.");
  }

  @Test
  void processesSharingAStorePresentEachOthersRotation() throws Exception {
    File file = new File(folder, "session.json");
    TokenPairAuth first = builder().sessionStore(FileSessionStore.of(file)).build();
    OkHttpClient firstClient = first.install(new OkHttpClient.Builder()).build();
    first.signIn("at-1", "rt-1");
    TokenPairAuth second = builder().sessionStore(FileSessionStore.of(file)).build();
    OkHttpClient secondClient = second.install(new OkHttpClient.Builder()).build();
    assertThat(second.accessToken()).isEqualTo("at-1"); // Loaded now, with rt-1.

    valid.add("at-2");
    idp.enqueue(tokens("at-2", "rt-2"));
    assertThat(call(firstClient)).isEqualTo(200);
    valid.clear();
    valid.add("at-3");
    idp.enqueue(tokens("at-3", "rt-3"));
    assertThat(call(secondClient)).isEqualTo(200);

    assertThat(presented(idp.takeRequest())).isEqualTo("rt-1");
    assertThat(presented(idp.takeRequest())).isEqualTo("rt-2"); // Not the spent rt-1.
    assertThat(FileSessionStore.of(file).loadRefreshToken()).isEqualTo("rt-3");
  }

  @Test
  void processesSharingAStoreAdoptAFreshJwt() throws Exception {
    File file = new File(folder, "session.json");
    long now = clock.currentTimeMillis() / 1000;
    String jwt1 = JwtTest.jwt("{\"iat\":" + now + ",\"exp\":" + (now + 600) + ",\"n\":1}");
    String jwt2 = JwtTest.jwt("{\"iat\":" + now + ",\"exp\":" + (now + 600) + ",\"n\":2}");
    TokenPairAuth first = builder().sessionStore(FileSessionStore.of(file)).build();
    OkHttpClient firstClient = first.install(new OkHttpClient.Builder()).build();
    first.signIn(jwt1, "rt-1");
    TokenPairAuth second = builder().sessionStore(FileSessionStore.of(file)).build();
    OkHttpClient secondClient = second.install(new OkHttpClient.Builder()).build();
    assertThat(second.accessToken()).isEqualTo(jwt1);

    valid.add(jwt2);
    idp.enqueue(tokens(jwt2, "rt-2"));
    assertThat(call(firstClient)).isEqualTo(200);
    assertThat(call(secondClient)).isEqualTo(200); // 401 with jwt1, then jwt2 from the store.

    assertThat(idp.getRequestCount()).isEqualTo(1);
    assertThat(listener.events)
        .extracting(RefreshEvent::outcome)
        .containsExactly(Outcome.REFRESHED, Outcome.ADOPTED);
  }

  @Test
  void coldStartWithOnlyARefreshTokenRefreshesBeforeTheFirstCall() throws Exception {
    File file = new File(folder, "session.json");
    FileSessionStore.of(file).saveRefreshToken("rt-1");
    TokenPairAuth auth =
        builder()
            .sessionStore(FileSessionStore.of(file))
            .refreshAhead(30, TimeUnit.SECONDS)
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    valid.add("at-2");
    idp.enqueue(tokens("at-2", "rt-2"));

    assertThat(call(client)).isEqualTo(200);
    assertThat(bearersSeenByTheApi).containsExactly("at-2");
    assertThat(listener.events)
        .extracting(RefreshEvent::trigger, RefreshEvent::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Trigger.COLD_START, Outcome.REFRESHED));
  }

  @Test
  void forceRefreshRefreshesEvenInsideTheGraceWindowAndJoinsOneInFlight() throws Exception {
    TokenPairAuth auth = builder().build();
    auth.signIn("at-1", "rt-1");
    idp.enqueue(tokens("at-2", "rt-2"));
    assertThat(auth.forceRefresh()).isEqualTo("at-2");
    idp.enqueue(tokens("at-3", "rt-3"));
    assertThat(auth.forceRefresh()).isEqualTo("at-3"); // The grace window does not apply.

    CountDownLatch answer = new CountDownLatch(1);
    idp.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            answer.await(10, TimeUnit.SECONDS);
            return tokens("at-4", "rt-4");
          }
        });
    Future<String> a = callers.submit(auth::forceRefresh);
    Waiters.awaitRefreshWaiters(auth.session.refresher, 1);
    Future<String> b = callers.submit(auth::forceRefresh);
    Waiters.awaitRefreshWaiters(auth.session.refresher, 2);
    answer.countDown();
    assertThat(a.get()).isEqualTo("at-4");
    assertThat(b.get()).isEqualTo("at-4");
    assertThat(idp.getRequestCount()).isEqualTo(3);
    assertThat(listener.events)
        .extracting(RefreshEvent::trigger, RefreshEvent::waiters)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Trigger.FORCED, 1),
            org.assertj.core.groups.Tuple.tuple(Trigger.FORCED, 1),
            org.assertj.core.groups.Tuple.tuple(Trigger.FORCED, 2));
  }

  @Test
  void forceRefreshThrowsTheRefusal() throws Exception {
    TokenPairAuth auth = builder().build();
    auth.signIn("at-1", "rt-1");
    idp.enqueue(error(400, "invalid_grant"));
    assertThatThrownBy(auth::forceRefresh)
        .isInstanceOfSatisfying(
            AuthResponseException.class, e -> assertThat(e.endsSession()).isTrue());
    assertThat(listener.expired).hasValue(1);
    assertThatThrownBy(auth::forceRefresh).isInstanceOf(IOException.class);
  }

  @Test
  void challengeOfAnotherSchemeOrOfScopeIsNotRefreshed() throws Exception {
    TokenPairAuth auth = builder().build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn("at-1", "rt-1");
    for (String other :
        new String[] {
          "Basic realm=\"api\"",
          "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"",
          "Bearer error=\"invalid_request\""
        }) {
      challenge = other;
      assertThat(call(client)).isEqualTo(401);
    }
    assertThat(idp.getRequestCount()).isZero();

    challenge = "Bearer realm=\"api\", error=\"invalid_token\"";
    valid.add("at-2");
    idp.enqueue(tokens("at-2", "rt-2"));
    assertThat(call(client)).isEqualTo(200);
    assertThat(idp.getRequestCount()).isEqualTo(1);
  }

  @Test
  void forbiddenIsNeverAnExpiredStatus() {
    assertThatThrownBy(() -> TokenPairAuth.builder().expiredStatusCodes(401, 403))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("403 means forbidden, not expired: never refreshed");
  }

  @Test
  void storeThatCannotKeepRefreshTokensIsRefused() {
    TokenStore old =
        new TokenStore() {
          @Override
          public String loadAccessToken() {
            return null;
          }

          @Override
          public void saveAccessToken(String accessToken) {}
        };
    assertThatThrownBy(() -> builder().tokenStore(old).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("The token store does not keep refresh tokens");
  }

  /** A store that keeps refresh tokens in a field and says so only if told to. */
  private static TokenStore refreshTokenStore(boolean saysSo) {
    return new TokenStore() {
      private volatile String access;
      private volatile String refresh;

      @Override
      public String loadAccessToken() {
        return access;
      }

      @Override
      public void saveAccessToken(String accessToken) {
        access = accessToken;
      }

      @Override
      public String loadRefreshToken() {
        return refresh;
      }

      @Override
      public void saveRefreshToken(String refreshToken) {
        refresh = refreshToken;
      }

      @Override
      public boolean keepsRefreshTokens() {
        return saysSo;
      }
    };
  }

  @Test
  void storeThatSaysItKeepsRefreshTokensIsAccepted() throws IOException {
    TokenStore store = refreshTokenStore(true);
    TokenPairAuth auth = builder().tokenStore(store).build();
    auth.signIn("at-1", "rt-1");
    assertThat(store.loadRefreshToken()).isEqualTo("rt-1");
  }

  @Test
  void storeThatOverridesTheMethodsWithoutSayingSoIsRefused() {
    assertThatThrownBy(() -> builder().tokenStore(refreshTokenStore(false)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "The token store does not keep refresh tokens: implement"
                + " TokenStore.loadRefreshToken and saveRefreshToken and return true from"
                + " keepsRefreshTokens(), or use TokenStore.inMemory() or FileSessionStore.");
  }

  @Test
  void theSdksOwnStoresKeepRefreshTokens() {
    assertThat(TokenStore.inMemory().keepsRefreshTokens()).isTrue();
    assertThat(FileSessionStore.of(new File(folder, "s.json")).keepsRefreshTokens()).isTrue();
    assertThat(FileSessionStore.cookiesOnly(new File(folder, "c.json")).keepsRefreshTokens())
        .isTrue();
  }

  @Test
  void signInNeedsABodyTokenProtocol() {
    TokenPairAuth cookies = TokenPairAuth.builder().baseUrl(api.url("/")).build();
    assertThatThrownBy(() -> cookies.signIn("at", "rt")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void refreshTokenNeverReachesAUrlOrAMessage() throws Exception {
    TokenPairAuth auth = builder().build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn("at-1", "rt-secret-1");
    idp.enqueue(error(400, "invalid_grant"));
    assertThat(call(client)).isEqualTo(401);
    RecordedRequest refresh = idp.takeRequest();
    assertThat(refresh.getUrl().toString()).doesNotContain("rt-secret");
    assertThat(listener.events.get(0).failure().getMessage()).doesNotContain("rt-secret");
    assertThat(listener.events.get(0).toString()).doesNotContain("rt-secret");
    assertThat(auth.toString()).doesNotContain("at-1");
  }

  /** An app's own JSON refresh API, as a protocol of its own. */
  static final class JsonBodyProtocol implements RefreshProtocol {
    private final okhttp3.HttpUrl endpoint;

    JsonBodyProtocol(okhttp3.HttpUrl endpoint) {
      this.endpoint = endpoint;
    }

    @Override
    public okhttp3.HttpUrl endpoint() {
      return endpoint;
    }

    @Override
    public Request newRefreshRequest(String refreshToken) throws IOException {
      if (refreshToken == null) throw new IOException("No refresh token.");
      String json =
          TestJson.MAPPER.createObjectNode().put("refresh_token", refreshToken).toString();
      return new Request.Builder()
          .url(endpoint)
          .post(RequestBody.create(json, MediaType.get("application/json")))
          .build();
    }

    @Override
    public TokenGrant readRefreshResponse(Response response) throws IOException {
      if (!response.isSuccessful()) {
        boolean rejected = response.code() == 401;
        throw new AuthResponseException("Refresh", response.code(), null, rejected, -1);
      }
      com.fasterxml.jackson.databind.JsonNode body =
          TestJson.MAPPER.readTree(response.body().string());
      return TokenGrant.of(
          body.path("token").asText(),
          body.path("refresh").asText(),
          TokenGrant.UNKNOWN_LIFETIME,
          TimeUnit.SECONDS);
    }
  }

  @Test
  void appCanPlugInItsOwnRefreshApi() throws Exception {
    TokenPairAuth auth =
        builder().refreshProtocol(new JsonBodyProtocol(api.url("/auth/refresh"))).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn("at-1", "rt-1");
    api.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (request.getUrl().encodedPath().equals("/auth/refresh")) {
              assertThat(request.getHeaders().get("Authorization")).isNull();
              assertThat(request.getBody().utf8()).isEqualTo("{\"refresh_token\":\"rt-1\"}");
              return new MockResponse.Builder()
                  .body("{\"token\":\"at-2\",\"refresh\":\"rt-2\"}")
                  .build();
            }
            boolean ok = "Bearer at-2".equals(request.getHeaders().get("Authorization"));
            return new MockResponse.Builder().code(ok ? 200 : 401).build();
          }
        });
    assertThat(call(client)).isEqualTo(200);
    assertThat(api.getRequestCount()).isEqualTo(3); // 401, refresh, replay.
    assertThat(listener.events)
        .singleElement()
        .extracting(RefreshEvent::outcome)
        .isEqualTo(Outcome.REFRESHED);
  }
}
