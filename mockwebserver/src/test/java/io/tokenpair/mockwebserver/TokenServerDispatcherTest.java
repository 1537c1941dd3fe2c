package io.tokenpair.mockwebserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Protocol-level tests with a plain OkHttpClient that handles the cookie by hand. */
@Timeout(10)
final class TokenServerDispatcherTest {
  @StartStop public final MockWebServer server = new MockWebServer();

  private final OkHttpClient client = new OkHttpClient();
  private TokenServerDispatcher tokens = TokenServerDispatcher.create();

  @BeforeEach
  void setUp() {
    server.setDispatcher(tokens);
  }

  private Response post(String path, String body, String cookie) throws IOException {
    Request.Builder request =
        new Request.Builder()
            .url(server.url(path))
            .post(RequestBody.create(body, MediaType.get("application/json")));
    if (cookie != null) request.header("Cookie", cookie);
    return client.newCall(request.build()).execute();
  }

  private Response get(String path, String accessToken) throws IOException {
    Request.Builder request = new Request.Builder().url(server.url(path));
    if (accessToken != null) request.header("Authorization", "Bearer " + accessToken);
    return client.newCall(request.build()).execute();
  }

  /** Logs in; returns {access token, rt cookie pair}. */
  private String[] login() throws IOException {
    try (Response response =
        post("/auth/login", "{\"username\":\"demo\",\"password\":\"demo-password\"}", null)) {
      assertThat(response.code()).isEqualTo(200);
      return new String[] {accessToken(response), rtCookie(response)};
    }
  }

  private String[] refresh(String cookie) throws IOException {
    try (Response response = post("/auth/refresh", "", cookie)) {
      assertThat(response.code()).isEqualTo(200);
      return new String[] {accessToken(response), rtCookie(response)};
    }
  }

  private static String accessToken(Response response) throws IOException {
    String body = response.body().string();
    int start = body.indexOf("\"access_token\":\"") + 16;
    return body.substring(start, body.indexOf('"', start));
  }

  private static String rtCookie(Response response) {
    String setCookie = response.header("Set-Cookie");
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  @Test
  void loginIssuesAPairThatOpensProtectedResources() throws IOException {
    try (Response response =
        post("/auth/login", "{\"username\":\"demo\",\"password\":\"demo-password\"}", null)) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.header("Cache-Control")).isEqualTo("no-store");
      assertThat(response.header("Set-Cookie"))
          .matches("rt=rt-[0-9a-f]{24}; Path=/auth; HttpOnly; SameSite=Strict; Max-Age=1296000");
      String body = response.body().string();
      assertThat(body).contains("\"token_type\":\"Bearer\"", "\"expires_in\":900");
    }
    String token = login()[0];
    assertThat(token.split("\\.")).hasSize(3);
    try (Response response = get("/api/me", token)) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).contains("\"path\":\"/api/me\"");
    }
    assertThat(tokens.loginCount()).isEqualTo(2);
    assertThat(tokens.activeSessionCount()).isEqualTo(2);
  }

  @Test
  void wrongPasswordIsRejected() throws IOException {
    try (Response response =
        post("/auth/login", "{\"username\":\"demo\",\"password\":\"x\"}", null)) {
      assertThat(response.code()).isEqualTo(401);
      assertThat(response.body().string()).contains("\"error\":\"invalid_credentials\"");
    }
  }

  @Test
  void failedLoginsAreThrottledPerAccountForTheirWindow() throws IOException {
    MutableClock clock = new MutableClock();
    tokens = TokenServerDispatcher.builder().clock(clock).build();
    server.setDispatcher(tokens);
    String wrong = "{\"username\":\"demo\",\"password\":\"x\"}";
    for (int i = 0; i < 5; i++) post("/auth/login", wrong, null).close();
    clock.millis += 60_500;
    try (Response response =
        post("/auth/login", "{\"username\":\"demo\",\"password\":\"demo-password\"}", null)) {
      assertThat(response.code()).isEqualTo(429);
      assertThat(response.header("Retry-After"))
          .isEqualTo("840"); // 14 min minus 0.5 s, rounded up.
      assertThat(response.body().string()).contains("\"error\":\"too_many_attempts\"");
    }
    clock.millis += 840_000;
    login();
  }

  @Test
  void missingBearerIsAChallengeWithoutError() throws IOException {
    try (Response response = get("/api/me", null)) {
      assertThat(response.code()).isEqualTo(401);
      assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"tokenpair\"");
    }
    assertThat(tokens.expiredCount()).isEqualTo(0);
  }

  @Test
  void expiredTokenAnswersTheExpiredStatus() throws IOException {
    tokens = TokenServerDispatcher.builder().expiredStatus(419).build();
    server.setDispatcher(tokens);
    String token = login()[0];
    tokens.expireAccessTokens();
    try (Response response = get("/api/me", token)) {
      assertThat(response.code()).isEqualTo(419);
      assertThat(response.header("WWW-Authenticate"))
          .isEqualTo("Bearer realm=\"tokenpair\", error=\"invalid_token\"");
    }
    assertThat(tokens.expiredCount()).isEqualTo(1);
  }

  @Test
  void accessTokenExpiresByTheClock() throws IOException {
    MutableClock clock = new MutableClock();
    tokens =
        TokenServerDispatcher.builder()
            .clock(clock)
            .accessTokenLifetime(10, TimeUnit.SECONDS)
            .build();
    server.setDispatcher(tokens);
    String token = login()[0];
    clock.millis += 14_999; // Within exp plus the demo server's 5 s leeway.
    try (Response response = get("/api/me", token)) {
      assertThat(response.code()).isEqualTo(200);
    }
    clock.millis += 1;
    try (Response response = get("/api/me", token)) {
      assertThat(response.code()).isEqualTo(401);
      assertThat(response.body().string()).contains("\"error\":\"token_expired\"");
    }
  }

  @Test
  void refreshRotatesAndReuseRevokesTheSession() throws IOException {
    String[] first = login();
    String[] second = refresh(first[1]);
    assertThat(second[1]).isNotEqualTo(first[1]);
    try (Response response = get("/api/me", second[0])) {
      assertThat(response.code()).isEqualTo(200);
    }
    try (Response response = post("/auth/refresh", "", first[1])) { // Reuse.
      assertThat(response.code()).isEqualTo(401);
      assertThat(response.peekBody(1024).string()).contains("\"error\":\"refresh_token_reused\"");
      assertThat(response.header("Set-Cookie"))
          .isEqualTo("rt=; Path=/auth; HttpOnly; SameSite=Strict; Max-Age=0");
    }
    assertThat(tokens.reuseDetectedCount()).isEqualTo(1);
    try (Response response = get("/api/me", second[0])) {
      assertThat(response.code()).isEqualTo(401); // The session's tokens died with it.
    }
    try (Response response = post("/auth/refresh", "", second[1])) {
      assertThat(response.code()).isEqualTo(401);
    }
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
  }

  @Test
  void previousRefreshTokenIsAcceptedWithinTheRotationGrace() throws IOException {
    MutableClock clock = new MutableClock();
    tokens =
        TokenServerDispatcher.builder().clock(clock).rotationGrace(10, TimeUnit.SECONDS).build();
    server.setDispatcher(tokens);
    String[] first = login();
    refresh(first[1]); // The answer is lost: the client still holds the first cookie.
    clock.millis += 10_000;
    String[] again = refresh(first[1]);
    clock.millis += 10_001;
    try (Response response = post("/auth/refresh", "", first[1])) {
      assertThat(response.code()).isEqualTo(401);
    }
    assertThat(tokens.reuseDetectedCount()).isEqualTo(1);
    assertThat(again[1]).isNotEqualTo(first[1]);
  }

  @Test
  void graceRetryReissuesThePairOfTheCurrentRefreshToken() throws IOException {
    MutableClock clock = new MutableClock();
    tokens =
        TokenServerDispatcher.builder().clock(clock).rotationGrace(10, TimeUnit.SECONDS).build();
    server.setDispatcher(tokens);
    String[] first = login();
    String[] second = refresh(first[1]); // The answer the client lost.
    String[] retried = refresh(first[1]); // Within the grace: the current pair again.
    clock.millis += 11_000;
    refresh(second[1]); // Still current: the retry rotated nothing.
    clock.millis += 11_000;
    try (Response response = post("/auth/refresh", "", retried[1])) {
      assertThat(response.code()).isEqualTo(401); // It shared the jti the last refresh consumed.
      assertThat(response.body().string()).contains("\"error\":\"refresh_token_reused\"");
    }
  }

  @Test
  void loginBodyIsReadAsJsonWithItsEscapes() throws IOException {
    tokens = TokenServerDispatcher.builder().user("d\"e", "p\\w\u00f6rd").build();
    server.setDispatcher(tokens);
    String body = "{\"username\":\"d\\\"e\",\"password\":\"p\\\\w\\u00f6rd\"}";
    try (Response response = post("/auth/login", body, null)) {
      assertThat(response.code()).isEqualTo(200);
    }
  }

  @Test
  void malformedLoginBodyIsABadRequest() throws IOException {
    try (Response response = post("/auth/login", "{\"username\":\"demo\",", null)) {
      assertThat(response.code()).isEqualTo(400);
      assertThat(response.body().string()).contains("\"error\":\"invalid_request\"");
    }
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
  }

  @Test
  void accessTokenOfAnEndedSessionIsInvalidNotExpired() throws IOException {
    tokens = TokenServerDispatcher.builder().expiredStatus(419).build();
    server.setDispatcher(tokens);
    String token = login()[0];
    tokens.revokeAllSessions();
    try (Response response = get("/api/me", token)) {
      assertThat(response.code()).isEqualTo(401);
      assertThat(response.body().string()).contains("\"error\":\"invalid_token\"");
    }
    assertThat(tokens.expiredCount()).isEqualTo(0);
  }

  @Test
  void refreshWithoutCookieIsMissingRefreshToken() throws IOException {
    try (Response response = post("/auth/refresh", "", null)) {
      assertThat(response.code()).isEqualTo(401);
      assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"tokenpair\"");
      assertThat(response.body().string()).contains("\"error\":\"missing_refresh_token\"");
    }
  }

  @Test
  void twoRefreshCookiesAreABadRequestThatConsumesNothing() throws IOException {
    String[] pair = login();
    try (Response response = post("/auth/refresh", "", pair[1] + "; rt=other")) {
      assertThat(response.code()).isEqualTo(400);
      assertThat(response.body().string()).contains("\"error\":\"invalid_request\"");
    }
    refresh(pair[1]);
  }

  @Test
  void withoutGraceEvenAnImmediateReuseIsDetected() throws IOException {
    MutableClock clock = new MutableClock(); // Frozen: the reuse comes in the same millisecond.
    tokens = TokenServerDispatcher.builder().clock(clock).build();
    server.setDispatcher(tokens);
    String[] first = login();
    refresh(first[1]);
    try (Response response = post("/auth/refresh", "", first[1])) {
      assertThat(response.code()).isEqualTo(401);
    }
    assertThat(tokens.reuseDetectedCount()).isEqualTo(1);
  }

  @Test
  void rotationNeverExtendsTheSession() throws IOException {
    MutableClock clock = new MutableClock();
    tokens =
        TokenServerDispatcher.builder()
            .clock(clock)
            .refreshTokenLifetime(100, TimeUnit.SECONDS)
            .build();
    server.setDispatcher(tokens);
    String[] pair = login();
    clock.millis += 60_000;
    try (Response response = post("/auth/refresh", "", pair[1])) {
      assertThat(response.header("Set-Cookie")).endsWith("Max-Age=40");
    }
  }

  @Test
  void scriptedRefreshFailures() throws IOException {
    String[] pair = login();
    tokens.failNextRefresh(503);
    try (Response response = post("/auth/refresh", "", pair[1])) {
      assertThat(response.code()).isEqualTo(503);
    }
    pair = refresh(pair[1]); // The session survived the transient failure.
    tokens.rejectNextRefresh();
    try (Response response = post("/auth/refresh", "", pair[1])) {
      assertThat(response.code()).isEqualTo(401);
      assertThat(response.body().string()).contains("invalid_refresh_token");
    }
    try (Response response = get("/api/me", pair[0])) {
      assertThat(response.code()).isEqualTo(401);
    }
    assertThat(tokens.refreshCount()).isEqualTo(3);
  }

  @Test
  void heldRefreshWaitsForRelease() throws Exception {
    String[] pair = login();
    tokens.holdRefreshes();
    CompletableFuture<Integer> pending =
        CompletableFuture.supplyAsync(
            () -> {
              try (Response response = post("/auth/refresh", "", pair[1])) {
                return response.code();
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    assertThat(tokens.awaitRequestCount("/auth/refresh", 1, 5, TimeUnit.SECONDS)).isTrue();
    assertThat(pending).isNotDone();
    assertThat(tokens.awaitRequestCount("/auth/refresh", 2, 10, TimeUnit.MILLISECONDS)).isFalse();
    tokens.releaseRefreshes();
    assertThat(pending.get()).isEqualTo(200);
  }

  @Test
  void logoutRevokesTheSessionAtOnce() throws IOException {
    String[] pair = login();
    try (Response response = post("/auth/logout", "", pair[1])) {
      assertThat(response.code()).isEqualTo(204);
      assertThat(response.header("Set-Cookie")).contains("Max-Age=0");
    }
    try (Response response = get("/api/me", pair[0])) {
      assertThat(response.code()).isEqualTo(401);
    }
    assertThat(tokens.logoutCount()).isEqualTo(1);
    assertThat(tokens.requestCount("/auth/logout")).isEqualTo(1);
  }

  @Test
  void authEndpointsAcceptOnlyPost() throws IOException {
    try (Response response = get("/auth/refresh", null)) {
      assertThat(response.code()).isEqualTo(405);
      assertThat(response.header("Allow")).isEqualTo("POST");
    }
  }

  @Test
  void opaqueTokensAreNotJwts() throws IOException {
    tokens = TokenServerDispatcher.builder().opaqueAccessTokens().build();
    server.setDispatcher(tokens);
    assertThat(login()[0]).startsWith("opaque-").doesNotContain(".");
  }

  static final class MutableClock extends Clock {
    volatile long millis = 1_700_000_000_000L;

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public long millis() {
      return millis;
    }
  }
}
