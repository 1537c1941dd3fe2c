package io.tokenpair.mockwebserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenpair.mockwebserver.TokenServerDispatcherTest.MutableClock;
import java.io.IOException;
import java.net.URLEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.Credentials;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The OAuth2 token endpoint, its sessions shared with the cookie endpoints, and its hooks. */
@Timeout(10)
final class TokenServerDispatcherTokenEndpointTest {
  private static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded");
  private static final String PASSWORD_LOGIN =
      "grant_type=password&username=demo&password=demo-password";
  private static final String LOGIN_JSON = "{\"username\":\"demo\",\"password\":\"demo-password\"}";

  @StartStop public final MockWebServer server = new MockWebServer();

  /** No silent retry: a cut connection reaches the test as an IOException. */
  private final OkHttpClient client =
      new OkHttpClient.Builder().retryOnConnectionFailure(false).build();

  private final ExecutorService callers = Executors.newCachedThreadPool();
  private final MutableClock clock = new MutableClock();
  private TokenServerDispatcher tokens;

  @BeforeEach
  void setUp() {
    use(builder().passwordGrant());
  }

  @AfterEach
  void tearDown() {
    tokens.releaseRefreshes();
    callers.shutdownNow();
  }

  /** Readable tokens (access-n, refresh-n) on the test's clock. */
  private TokenServerDispatcher.Builder builder() {
    return TokenServerDispatcher.builder().sequentialTokens().opaqueAccessTokens().clock(clock);
  }

  private void use(TokenServerDispatcher.Builder builder) {
    tokens = builder.build();
    server.setDispatcher(tokens);
  }

  /** What a test reads of one answer. */
  private static final class Answer {
    final int code;
    final String body;
    final Headers headers;

    Answer(Response response) throws IOException {
      this.code = response.code();
      this.body = response.body().string();
      this.headers = response.headers();
    }
  }

  private Answer execute(Request.Builder request) throws IOException {
    try (Response response = client.newCall(request.build()).execute()) {
      return new Answer(response);
    }
  }

  private Request.Builder tokenRequest(String form) {
    return new Request.Builder()
        .url(server.url("/oauth/token"))
        .post(RequestBody.create(form, FORM));
  }

  private Answer token(String form) throws IOException {
    return execute(tokenRequest(form));
  }

  private Answer refreshGrant(String rt) throws IOException {
    return token("grant_type=refresh_token&refresh_token=" + rt);
  }

  private Answer cookieLogin(String json) throws IOException {
    return execute(
        new Request.Builder()
            .url(server.url("/auth/login"))
            .post(RequestBody.create(json, MediaType.get("application/json"))));
  }

  private Answer cookieRefresh(String rt) throws IOException {
    return execute(
        new Request.Builder()
            .url(server.url("/auth/refresh"))
            .header("Cookie", "rt=" + rt)
            .post(RequestBody.create(new byte[0])));
  }

  private Answer me(String accessToken) throws IOException {
    return execute(
        new Request.Builder()
            .url(server.url("/api/me"))
            .header("Authorization", "Bearer " + accessToken));
  }

  private static String pair(int access, int refresh) {
    return "{\"access_token\":\"access-"
        + access
        + "\",\"token_type\":\"Bearer\",\"expires_in\":900,\"refresh_token\":\"refresh-"
        + refresh
        + "\"}";
  }

  /** A §5.1 answer: exactly this body, the token endpoint's headers, no cookie. */
  private static void assertPair(Answer answer, String body) {
    assertThat(answer.code).as(answer.body).isEqualTo(200);
    assertThat(answer.body).isEqualTo(body);
    assertTokenHeaders(answer);
  }

  /** A §5.2 answer: exactly this status and body, the token endpoint's headers, no cookie. */
  private static void assertError(Answer answer, int status, String error, String description) {
    assertThat(answer.code).as(answer.body).isEqualTo(status);
    assertThat(answer.body)
        .isEqualTo("{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}");
    assertTokenHeaders(answer);
  }

  private static void assertTokenHeaders(Answer answer) {
    assertThat(answer.headers.get("Content-Type")).isEqualTo("application/json; charset=utf-8");
    assertThat(answer.headers.values("Cache-Control")).containsExactly("no-store");
    assertThat(answer.headers.values("Pragma")).containsExactly("no-cache");
    assertThat(answer.headers.values("Set-Cookie")).isEmpty();
  }

  private static void assertInvalidClient(Answer answer, String description) {
    assertError(answer, 401, "invalid_client", description);
    assertThat(answer.headers.get("WWW-Authenticate")).isEqualTo("Basic realm=\"tokenpair\"");
  }

  // RFC 6749 §5.1 answers.

  @Test
  void passwordGrantAnswersWithTheTokenResponseAndNoCookie() throws IOException {
    assertPair(token(PASSWORD_LOGIN), pair(1, 1));
    assertThat(me("access-1").code).isEqualTo(200);
    assertThat(tokens.loginCount()).isEqualTo(1);
    assertThat(tokens.passwordGrantCount()).isEqualTo(1);
    assertThat(tokens.refreshCount()).isEqualTo(0);
    assertThat(tokens.activeSessionCount()).isEqualTo(1);
  }

  @Test
  void refreshGrantRotatesTheRefreshTokenInTheBody() throws IOException {
    token(PASSWORD_LOGIN);
    assertPair(refreshGrant("refresh-1"), pair(2, 2));
    assertPair(
        token("grant_type=refresh_token&client_id=tokenpair-demo&refresh_token=refresh-2"),
        pair(3, 3));
    assertThat(me("access-3").code).isEqualTo(200);
    assertThat(me("access-1").code).isEqualTo(200); // Rotation leaves older access tokens valid.
    assertThat(tokens.refreshCount()).isEqualTo(2);
    assertThat(tokens.tokenRefreshCount()).isEqualTo(2);
    assertThat(tokens.lastIssuedAccessToken()).isEqualTo("access-3");
  }

  @Test
  void expiresInIsTheAccessTokenLifetime() throws IOException {
    use(builder().passwordGrant().accessTokenLifetime(90, TimeUnit.SECONDS));
    assertThat(token(PASSWORD_LOGIN).body).contains("\"expires_in\":90,");
  }

  // The cookie endpoints' session rules.

  @Test
  void reusedRefreshTokenRevokesTheFamilyAndItsAccessTokens() throws IOException {
    token(PASSWORD_LOGIN);
    refreshGrant("refresh-1");
    assertError(
        refreshGrant("refresh-1"),
        400,
        "invalid_grant",
        "The refresh token was already used; the session ended.");
    assertError(
        refreshGrant("refresh-2"), 400, "invalid_grant", "The refresh token is no longer valid.");
    assertThat(me("access-2").code).isEqualTo(401);
    assertThat(me("access-1").code).isEqualTo(401);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(1);
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
    assertThat(tokens.tokenRefreshCount()).isEqualTo(3);
  }

  @Test
  void unknownRefreshTokenIsInvalidGrantAndTouchesNoSession() throws IOException {
    token(PASSWORD_LOGIN);
    assertError(
        refreshGrant("garbage"), 400, "invalid_grant", "The refresh token is invalid or expired.");
    assertError(
        refreshGrant("access-1"), 400, "invalid_grant", "The refresh token is invalid or expired.");
    assertPair(refreshGrant("refresh-1"), pair(2, 2));
  }

  @Test
  void retryWithinTheGraceGetsTheCurrentRefreshTokenReissued() throws IOException {
    use(builder().passwordGrant().rotationGrace(10, TimeUnit.SECONDS));
    token(PASSWORD_LOGIN);
    refreshGrant("refresh-1"); // The answer the client lost.
    clock.millis += 10_000;
    assertPair(refreshGrant("refresh-1"), pair(3, 3));
    assertThat(tokens.graceRetryCount()).isEqualTo(1);
    clock.millis += 1_000; // The server counts whole seconds.
    assertError(
        refreshGrant("refresh-1"),
        400,
        "invalid_grant",
        "The refresh token was already used; the session ended.");
    assertThat(tokens.reuseDetectedCount()).isEqualTo(1);
  }

  @Test
  void rotationNeverExtendsTheFamilyAndItsEndIsInvalidGrant() throws IOException {
    use(builder().passwordGrant().refreshTokenLifetime(100, TimeUnit.SECONDS));
    token(PASSWORD_LOGIN);
    clock.millis += 60_000;
    refreshGrant("refresh-1");
    clock.millis += 40_000; // The family's end, within the demo server's 5 s leeway.
    assertError(
        refreshGrant("refresh-2"), 400, "invalid_grant", "The refresh token is no longer valid.");
    clock.millis += 5_000;
    assertError(
        refreshGrant("refresh-2"),
        400,
        "invalid_grant",
        "The refresh token is invalid or expired.");
  }

  @Test
  void cookieLoginContinuesThroughTheTokenEndpointAndBackInOneFamily() throws IOException {
    use(builder()); // The password grant is off: the session starts at /auth/login.
    Answer login = cookieLogin(LOGIN_JSON);
    assertThat(login.headers.get("Set-Cookie")).startsWith("rt=refresh-1; ");
    assertPair(refreshGrant("refresh-1"), pair(2, 2));
    Answer viaCookie = cookieRefresh("refresh-2");
    assertThat(viaCookie.code).isEqualTo(200);
    assertThat(viaCookie.headers.get("Set-Cookie")).startsWith("rt=refresh-3; ");
    assertThat(viaCookie.headers.get("Pragma")).isNull(); // Only the token endpoint sends it.

    Answer replay = cookieRefresh("refresh-1"); // Spent at the token endpoint: reuse here too.
    assertThat(replay.code).isEqualTo(401);
    assertThat(replay.body).contains("\"error\":\"refresh_token_reused\"");
    assertError(
        refreshGrant("refresh-3"), 400, "invalid_grant", "The refresh token is no longer valid.");
    assertThat(tokens.refreshCount()).isEqualTo(4);
    assertThat(tokens.tokenRefreshCount()).isEqualTo(2);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(1);
  }

  @Test
  void anRtCookieIsIgnoredByTheTokenEndpoint() throws IOException {
    token(PASSWORD_LOGIN);
    assertError(
        execute(tokenRequest("grant_type=refresh_token").header("Cookie", "rt=refresh-1")),
        400,
        "invalid_request",
        "The parameter refresh_token is required.");
    assertPair(refreshGrant("refresh-1"), pair(2, 2)); // Nothing was consumed.
  }

  @Test
  void logoutWithTheAccessTokenEndsATokenEndpointSession() throws IOException {
    token(PASSWORD_LOGIN);
    Answer logout =
        execute(
            new Request.Builder()
                .url(server.url("/auth/logout"))
                .header("Authorization", "Bearer access-1")
                .post(RequestBody.create(new byte[0])));
    assertThat(logout.code).isEqualTo(204);
    assertError(
        refreshGrant("refresh-1"), 400, "invalid_grant", "The refresh token is no longer valid.");
  }

  @Test
  void aBearerHeaderOnTheTokenEndpointIsIgnored() throws IOException {
    token(PASSWORD_LOGIN);
    assertPair(
        execute(
            tokenRequest("grant_type=refresh_token&refresh_token=refresh-1")
                .header("Authorization", "Bearer access-1")),
        pair(2, 2));
  }

  // The hooks.

  @Test
  void scriptedFailuresAnswerInTheTokenEndpointsBodies() throws IOException {
    token(PASSWORD_LOGIN);
    tokens.failNextRefresh(503);
    tokens.failNextRefresh(500);
    tokens.failNextRefresh(400);
    Answer unavailable = refreshGrant("refresh-1");
    assertError(
        unavailable, 503, "temporarily_unavailable", "Sessions are unavailable. Try again.");
    assertThat(unavailable.headers.get("Retry-After")).isEqualTo("1");
    assertError(refreshGrant("refresh-1"), 500, "server_error", "Internal error.");
    assertError(refreshGrant("refresh-1"), 400, "invalid_request", "The request is malformed.");
    assertPair(refreshGrant("refresh-1"), pair(2, 2)); // The session survived them.
    assertThat(tokens.refreshCount()).isEqualTo(4);
    assertThat(tokens.tokenRefreshCount()).isEqualTo(4);
  }

  @Test
  void scriptedRateLimitsAndGatewayErrorsAnswerAsTheDemoServersTokenEndpoint() throws IOException {
    token(PASSWORD_LOGIN);
    tokens.failNextRefresh(429);
    tokens.failNextRefresh(502);
    Answer limited = refreshGrant("refresh-1");
    assertError(limited, 429, "too_many_attempts", "Too many requests. Try again later.");
    assertThat(limited.headers.get("Retry-After")).isEqualTo("1");
    Answer gateway = refreshGrant("refresh-1");
    assertError(gateway, 502, "temporarily_unavailable", "Sessions are unavailable. Try again.");
    assertThat(gateway.headers.get("Retry-After")).isEqualTo("1");
    assertPair(refreshGrant("refresh-1"), pair(2, 2));
  }

  @Test
  void rejectNextRefreshEndsTheSessionWithInvalidGrant() throws IOException {
    token(PASSWORD_LOGIN);
    tokens.rejectNextRefresh();
    assertError(
        refreshGrant("refresh-1"), 400, "invalid_grant", "The refresh token is no longer valid.");
    assertThat(me("access-1").code).isEqualTo(401);
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0);
  }

  @Test
  void rejectNextRefreshStillChecksTheClientFirst() throws IOException {
    token(PASSWORD_LOGIN);
    tokens.rejectNextRefresh();
    assertInvalidClient(
        token("grant_type=refresh_token&client_id=other&refresh_token=refresh-1"),
        "Unknown client.");
    assertThat(tokens.activeSessionCount()).isEqualTo(1); // The script was spent on the refusal.
    assertPair(refreshGrant("refresh-1"), pair(2, 2));
  }

  @Test
  void disconnectedRefreshGrantIsNotPerformed() throws IOException {
    token(PASSWORD_LOGIN);
    tokens.disconnectNextRefresh();
    assertThatThrownBy(() -> refreshGrant("refresh-1")).isInstanceOf(IOException.class);
    assertPair(refreshGrant("refresh-1"), pair(2, 2)); // Not consumed: no reuse.
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0);
    assertThat(tokens.tokenRefreshCount()).isEqualTo(2);
  }

  @Test
  void droppedAnswerRotatedSoItsRetryIsReuseWithoutGrace() throws IOException {
    token(PASSWORD_LOGIN);
    tokens.dropNextRefreshAnswer();
    assertThatThrownBy(() -> refreshGrant("refresh-1")).isInstanceOf(IOException.class);
    assertError(
        refreshGrant("refresh-1"),
        400,
        "invalid_grant",
        "The refresh token was already used; the session ended.");
    assertThat(tokens.reuseDetectedCount()).isEqualTo(1);
  }

  @Test
  void heldRefreshGrantHasRotatedAndIsDatedWhenReleased() throws Exception {
    token(PASSWORD_LOGIN);
    tokens.holdRefreshes();
    Future<Answer> pending = callers.submit(() -> refreshGrant("refresh-1"));
    assertThat(tokens.awaitRefreshes(1, 5, TimeUnit.SECONDS)).isTrue();
    assertThat(tokens.lastIssuedAccessToken()).isEqualTo("access-2"); // Rotated on arrival.
    assertThat(pending).isNotDone();
    clock.millis += 3_000;
    tokens.releaseRefreshes();
    Answer answer = pending.get();
    assertPair(answer, pair(2, 2));
    assertThat(answer.headers.get("Date")).isEqualTo("Tue, 14 Nov 2023 22:13:23 GMT");
  }

  @Test
  void heldRefreshesOfBothProtocolsWithOneTokenRotateOnce() throws Exception {
    token(PASSWORD_LOGIN);
    tokens.holdRefreshes();
    List<Future<Integer>> results = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      boolean body = i % 2 == 0;
      results.add(
          callers.submit(
              () -> (body ? refreshGrant("refresh-1") : cookieRefresh("refresh-1")).code));
    }
    assertThat(tokens.awaitRefreshes(4, 5, TimeUnit.SECONDS)).isTrue();
    tokens.releaseRefreshes();
    List<Integer> codes = new ArrayList<>();
    for (Future<Integer> result : results) codes.add(result.get());
    assertThat(codes).filteredOn(code -> code == 200).hasSize(1);
    assertThat(codes).filteredOn(code -> code == 400 || code == 401).hasSize(3);
    assertThat(tokens.refreshCount()).isEqualTo(4);
    assertThat(tokens.tokenRefreshCount()).isEqualTo(2);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(1);
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
  }

  @Test
  void revokeAllSessionsAndExpireAccessTokensApplyToTokenEndpointSessions() throws IOException {
    token(PASSWORD_LOGIN);
    token(PASSWORD_LOGIN);
    tokens.expireAccessTokens();
    assertThat(me("access-1").body).contains("\"error\":\"token_expired\"");
    assertPair(refreshGrant("refresh-1"), pair(3, 3));
    tokens.revokeAllSessions();
    assertError(
        refreshGrant("refresh-2"), 400, "invalid_grant", "The refresh token is no longer valid.");
    assertThat(me("access-3").body).contains("\"error\":\"invalid_token\"");
  }

  // The password grant.

  @Test
  void passwordGrantIsOffByDefault() throws IOException {
    use(builder());
    assertError(
        token(PASSWORD_LOGIN),
        400,
        "unsupported_grant_type",
        "The password grant is off (TokenServerDispatcher.Builder.passwordGrant()).");
    assertThat(tokens.passwordGrantCount()).isEqualTo(1);
    assertThat(tokens.loginCount()).isEqualTo(1);
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
  }

  @Test
  void wrongPasswordAndUnknownUserGetTheSameInvalidGrant() throws IOException {
    Answer wrong = token("grant_type=password&username=demo&password=nope");
    assertError(wrong, 400, "invalid_grant", "The username or password is wrong.");
    assertThat(wrong.headers.get("WWW-Authenticate")).isNull();
    assertThat(token("grant_type=password&username=nobody&password=nope").body)
        .isEqualTo(wrong.body);
  }

  @Test
  void passwordGrantIsThrottledTogetherWithTheLoginEndpoint() throws IOException {
    for (int i = 0; i < 3; i++) token("grant_type=password&username=demo&password=x");
    for (int i = 0; i < 2; i++) {
      cookieLogin("{\"username\":\"demo\",\"password\":\"x\"}");
    }
    Answer blocked = token(PASSWORD_LOGIN);
    assertError(blocked, 429, "too_many_attempts", "Too many failed logins. Try again later.");
    assertThat(blocked.headers.get("Retry-After")).isEqualTo("900");
    clock.millis += TimeUnit.MINUTES.toMillis(15);
    assertPair(token(PASSWORD_LOGIN), pair(1, 1));
    assertThat(tokens.loginCount()).isEqualTo(7);
    assertThat(tokens.passwordGrantCount()).isEqualTo(5);
  }

  @Test
  void percentEncodedCredentialsAreDecoded() throws IOException {
    use(builder().passwordGrant().user("al ice", "p&ss=w\u00f6rd+1"));
    assertPair(
        token("grant_type=password&username=al+ice&password=p%26ss%3Dw%C3%B6rd%2B1"), pair(1, 1));
  }

  @Test
  void passwordGrantNeedsUsernameAndPassword() throws IOException {
    assertError(
        token("grant_type=password&password=demo-password"),
        400,
        "invalid_request",
        "The parameter username is required.");
    assertError(
        token("grant_type=password&username=demo"),
        400,
        "invalid_request",
        "The parameter password is required.");
  }

  // RFC 6749 §5.2 errors for bad requests; none consumes anything.

  @Test
  void badRequestsAreInvalidRequestAndConsumeNothing() throws IOException {
    token(PASSWORD_LOGIN);
    assertError(
        token("refresh_token=refresh-1"),
        400,
        "invalid_request",
        "The parameter grant_type is required.");
    assertError(
        token("grant_type=refresh_token&grant_type=refresh_token&refresh_token=refresh-1"),
        400,
        "invalid_request",
        "The parameter grant_type is repeated.");
    assertError(
        token("grant_type=refresh_token&refresh_token=refresh-1&refresh_token=refresh-1"),
        400,
        "invalid_request",
        "The parameter refresh_token is repeated.");
    assertError(
        token("grant_type=refresh_token&refresh_token="),
        400,
        "invalid_request",
        "The parameter refresh_token is required.");
    assertError(
        token("grant_type=refresh_token&refresh_token=%zz"),
        400,
        "invalid_request",
        "The request body is not valid form encoding.");
    assertPair(
        token("grant_type=refresh_token&refresh_token=refresh-1&client_id=&scope=openid&x=1&x=2"),
        pair(2, 2)); // Empty parameters count as omitted, unknown ones are ignored.
    // The refresh grants are those whose form and grant_type could be read.
    assertThat(tokens.refreshCount()).isEqualTo(3);
  }

  @Test
  void unknownGrantTypeIsUnsupported() throws IOException {
    assertError(
        token("grant_type=authorization_code&code=x"),
        400,
        "unsupported_grant_type",
        "The grant type is not supported; use refresh_token or password.");
    use(builder());
    assertError(
        token("grant_type=client_credentials"),
        400,
        "unsupported_grant_type",
        "The grant type is not supported; use refresh_token.");
    assertThat(tokens.refreshCount()).isEqualTo(0);
    assertThat(tokens.loginCount()).isEqualTo(0);
  }

  @Test
  void anotherContentTypeIs415AndATooLargeBody413() throws IOException {
    String description = "The request body must be application/x-www-form-urlencoded.";
    assertError(
        execute(
            new Request.Builder()
                .url(server.url("/oauth/token"))
                .post(RequestBody.create(LOGIN_JSON, MediaType.get("application/json")))),
        415,
        "invalid_request",
        description);
    assertError(
        execute(
            new Request.Builder()
                .url(server.url("/oauth/token"))
                .post(RequestBody.create(PASSWORD_LOGIN.getBytes("UTF-8")))),
        415,
        "invalid_request",
        description);
    char[] pad = new char[Requests.MAX_BODY_BYTES];
    Arrays.fill(pad, 'a');
    assertError(
        token(PASSWORD_LOGIN + "&pad=" + new String(pad)),
        413,
        "invalid_request",
        "The request body is larger than 16384 bytes.");
    assertThat(tokens.loginCount()).isEqualTo(0);
  }

  @Test
  void tokenEndpointIsPostOnly() throws IOException {
    Answer answer = execute(new Request.Builder().url(server.url("/oauth/token")));
    assertError(answer, 405, "invalid_request", "Use POST.");
    assertThat(answer.headers.get("Allow")).isEqualTo("POST");
  }

  // Clients.

  @Test
  void unknownClientIsInvalidClientWithAChallengeAndConsumesNothing() throws IOException {
    assertInvalidClient(token(PASSWORD_LOGIN + "&client_id=other"), "Unknown client.");
    assertPair(token(PASSWORD_LOGIN + "&client_id=tokenpair-demo"), pair(1, 1));
    assertInvalidClient(
        token("grant_type=refresh_token&client_id=other&refresh_token=refresh-1"),
        "Unknown client.");
    assertPair(refreshGrant("refresh-1"), pair(2, 2));
    assertThat(tokens.tokenRefreshCount()).isEqualTo(2);
  }

  @Test
  void clientAuthenticationIsRefusedForThePublicClient() throws IOException {
    token(PASSWORD_LOGIN);
    String description = "The client tokenpair-demo is public: send no client credentials.";
    assertInvalidClient(
        execute(
            tokenRequest("grant_type=refresh_token&refresh_token=refresh-1")
                .header("Authorization", Credentials.basic("tokenpair-demo", "secret"))),
        description);
    assertInvalidClient(
        token(
            "grant_type=refresh_token&client_id=tokenpair-demo&client_secret=s"
                + "&refresh_token=refresh-1"),
        description);
    assertPair(refreshGrant("refresh-1"), pair(2, 2));
  }

  @Test
  void confidentialClientAuthenticatesWithClientSecretBasicOrPost() throws IOException {
    String secret = "s3:cr+t%";
    use(builder().passwordGrant().clientId("my app").clientSecret(secret));
    String basic =
        Credentials.basic(URLEncoder.encode("my app", "UTF-8"), URLEncoder.encode(secret, "UTF-8"));
    assertPair(execute(tokenRequest(PASSWORD_LOGIN).header("Authorization", basic)), pair(1, 1));
    assertPair(
        execute(
            tokenRequest("grant_type=refresh_token&refresh_token=refresh-1&client_id=my+app")
                .header("Authorization", basic)),
        pair(2, 2));
    assertPair(
        token(
            "grant_type=refresh_token&refresh_token=refresh-2&client_id=my+app&client_secret="
                + URLEncoder.encode(secret, "UTF-8")),
        pair(3, 3));
    assertThat(tokens.tokenRefreshCount()).isEqualTo(2);
  }

  @Test
  void confidentialClientWithoutOrWithAWrongSecretIsInvalidClient() throws IOException {
    use(builder().passwordGrant().clientSecret("secret"));
    assertInvalidClient(
        token(PASSWORD_LOGIN),
        "The client tokenpair-demo is confidential: authenticate with client_secret_basic or"
            + " client_secret_post.");
    assertInvalidClient(
        execute(
            tokenRequest(PASSWORD_LOGIN)
                .header("Authorization", Credentials.basic("tokenpair-demo", "wrong"))),
        "The client authentication failed.");
    assertInvalidClient(
        execute(
            tokenRequest(PASSWORD_LOGIN)
                .header("Authorization", Credentials.basic("other", "secret"))),
        "The client authentication failed.");
    assertInvalidClient(
        execute(tokenRequest(PASSWORD_LOGIN).header("Authorization", "Basic !!!")),
        "The client authentication failed.");
    assertInvalidClient(
        token(PASSWORD_LOGIN + "&client_id=tokenpair-demo&client_secret=wrong"),
        "The client authentication failed.");
    assertError(
        token(PASSWORD_LOGIN + "&client_secret=secret"),
        400,
        "invalid_request",
        "The parameter client_id is required.");
    assertError(
        execute(
            tokenRequest(PASSWORD_LOGIN + "&client_id=tokenpair-demo&client_secret=secret")
                .header("Authorization", Credentials.basic("tokenpair-demo", "secret"))),
        400,
        "invalid_request",
        "Use one client authentication method.");
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
  }

  @Test
  void tokenPathAndClientIdAreConfigurable() throws IOException {
    use(builder().passwordGrant().tokenPath("/realms/app/token").clientId("app"));
    assertPair(
        execute(
            new Request.Builder()
                .url(server.url("/realms/app/token"))
                .post(RequestBody.create(PASSWORD_LOGIN + "&client_id=app", FORM))),
        pair(1, 1));
    assertThat(token(PASSWORD_LOGIN).body).contains("\"error\":\"missing_token\""); // A resource.
    assertThatThrownBy(() -> TokenServerDispatcher.builder().tokenPath("oauth/token"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("token must start with /: oauth/token");
    assertThatThrownBy(() -> TokenServerDispatcher.builder().tokenPath("/auth/refresh").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("The token path /auth/refresh is also a path of the cookie endpoints.");
  }

  // The Date header.

  @Test
  void everyAnswerIsDatedByTheDispatchersClock() throws IOException {
    use(builder()); // 1_700_000_000_000 ms: Tuesday, 14 November 2023, 22:13:20 UTC.
    String date = "Tue, 14 Nov 2023 22:13:20 GMT";
    Answer login = cookieLogin(LOGIN_JSON);
    assertThat(login.headers.values("Date")).containsExactly(date);
    assertThat(me("access-1").headers.values("Date")).containsExactly(date);
    assertThat(token("grant_type=x").headers.values("Date")).containsExactly(date);
    clock.millis += TimeUnit.DAYS.toMillis(17) + 1_999; // Whole seconds; a one-digit day.
    assertThat(cookieRefresh("refresh-1").headers.values("Date"))
        .containsExactly("Fri, 01 Dec 2023 22:13:21 GMT");
    assertThat(me("garbage").headers.values("Date"))
        .containsExactly("Fri, 01 Dec 2023 22:13:21 GMT");
  }
}
