package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import io.tokenpair.demo.DemoConfig.CaptchaMode;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntFunction;
import okhttp3.Credentials;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code POST /oauth/token} against the real server, and its sessions shared with /auth/*. */
class TokenEndpointTest {
  private static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded");
  private static final String PASSWORD_LOGIN =
      "grant_type=password&username=demo&password=demo-password";

  private Harness harness = new Harness(b -> b.passwordGrant(true));

  @AfterEach
  void stop() {
    harness.close();
  }

  private void restart(Consumer<DemoConfig.Builder> customize) {
    harness.close();
    harness = new Harness(customize);
  }

  private Request.Builder tokenRequest(String form) {
    return harness.request("/oauth/token").post(RequestBody.create(form, FORM));
  }

  private Harness.Answer token(String form) {
    return harness.execute(tokenRequest(form).build());
  }

  private Harness.Answer refreshGrant(String rt) {
    return token("grant_type=refresh_token&refresh_token=" + rt);
  }

  /** A successful grant's pair, after checking the RFC 6749 §5.1 answer. */
  private static Harness.Pair pair(Harness.Answer answer) {
    assertThat(answer.code()).as(answer.body()).isEqualTo(200);
    var json = answer.json();
    return new Harness.Pair(json.get("access_token").asText(), json.get("refresh_token").asText());
  }

  private Harness.Pair passwordLogin() {
    return pair(token(PASSWORD_LOGIN));
  }

  private static void assertError(Harness.Answer answer, int status, String error, String text) {
    assertThat(answer.code()).as(answer.body()).isEqualTo(status);
    assertThat(answer.body())
        .isEqualTo("{\"error\":\"" + error + "\",\"error_description\":\"" + text + "\"}");
    assertThat(answer.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
    assertThat(answer.header("Cache-Control")).isEqualTo("no-store");
    assertThat(answer.header("Pragma")).isEqualTo("no-cache");
    assertThat(answer.response().headers("Set-Cookie")).isEmpty();
  }

  private static void assertInvalidGrant(Harness.Answer answer, String text) {
    assertError(answer, 400, "invalid_grant", text);
  }

  private static long generation(String rt) {
    return JWT.decode(rt).getClaim("gen").asLong();
  }

  // --- RFC 6749 §5.1 answers ---

  @Test
  void passwordGrantAnswersWithTheTokenResponseAndNoCookie() {
    var answer = token(PASSWORD_LOGIN);
    assertThat(answer.code()).isEqualTo(200);
    assertThat(answer.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
    assertThat(answer.header("Cache-Control")).isEqualTo("no-store");
    assertThat(answer.header("Pragma")).isEqualTo("no-cache");
    assertThat(answer.response().headers("Set-Cookie")).isEmpty();
    var json = answer.json();
    assertThat(json.fieldNames())
        .toIterable()
        .containsExactly("access_token", "token_type", "expires_in", "refresh_token");
    assertThat(json.get("token_type").asText()).isEqualTo("Bearer");
    assertThat(json.get("expires_in").isIntegralNumber()).isTrue();
    assertThat(json.get("expires_in").asLong()).isEqualTo(900);
    var access = JWT.decode(json.get("access_token").asText());
    var refresh = JWT.decode(json.get("refresh_token").asText());
    assertThat(access.getType()).isEqualTo("at+jwt");
    assertThat(refresh.getType()).isEqualTo("rt+jwt");
    assertThat(refresh.getClaim("sid").asString()).isEqualTo(access.getClaim("sid").asString());
    assertThat(refresh.getClaim("gen").asLong()).isZero();
    assertThat(harness.getWithBearer("/api/me", access.getToken()).code()).isEqualTo(200);
  }

  private Harness.Answer logoutWithBearer(String accessToken) {
    return harness.execute(
        harness
            .request("/auth/logout")
            .header("Authorization", "Bearer " + accessToken)
            .post(RequestBody.create(new byte[0]))
            .build());
  }

  @Test
  void logoutWithAnExpiredAccessTokenStillEndsTheSession() {
    var pair = passwordLogin();
    harness.clock.advance(Duration.ofMinutes(30)); // the access token expired, the session lives
    assertThat(logoutWithBearer(pair.accessToken()).code()).isEqualTo(204);
    assertInvalidGrant(refreshGrant(pair.refreshToken()), "The refresh token is no longer valid.");
  }

  @Test
  void logoutIgnoresAnExpiredTokenWithABadSignatureOrOfAnotherKind() {
    var pair = passwordLogin();
    harness.clock.advance(Duration.ofMinutes(30));
    var forged = pair.accessToken().substring(0, pair.accessToken().lastIndexOf('.') + 1) + "AAAA";
    assertThat(logoutWithBearer(forged).code()).isEqualTo(204);
    assertThat(logoutWithBearer(pair.refreshToken()).code()).isEqualTo(204);
    assertThat(pair(refreshGrant(pair.refreshToken())).refreshToken()).isNotEmpty();
  }

  @Test
  void refreshGrantRotatesTheRefreshTokenInTheBody() {
    var first = passwordLogin();
    var answer = refreshGrant(first.refreshToken());
    assertThat(answer.header("Cache-Control")).isEqualTo("no-store");
    assertThat(answer.header("Pragma")).isEqualTo("no-cache");
    assertThat(answer.response().headers("Set-Cookie")).isEmpty();
    var second = pair(answer);
    assertThat(JWT.decode(second.refreshToken()).getId())
        .isNotEqualTo(JWT.decode(first.refreshToken()).getId());
    assertThat(generation(second.refreshToken())).isEqualTo(1);
    assertThat(harness.getWithBearer("/api/me", second.accessToken()).code()).isEqualTo(200);
    var third = pair(refreshGrant(second.refreshToken()));
    assertThat(generation(third.refreshToken())).isEqualTo(2);
  }

  @Test
  void rotationNeverExtendsTheFamilyExpiry() {
    var first = passwordLogin();
    var familyEnd = JWT.decode(first.refreshToken()).getExpiresAtAsInstant();
    harness.clock.advance(Duration.ofDays(2));
    var second = pair(refreshGrant(first.refreshToken()));
    assertThat(JWT.decode(second.refreshToken()).getExpiresAtAsInstant()).isEqualTo(familyEnd);
    harness.clock.advance(Duration.ofDays(13)); // the family's end, within the JWT leeway
    assertInvalidGrant(
        refreshGrant(second.refreshToken()), "The refresh token is no longer valid.");
    harness.clock.advance(Duration.ofSeconds(TokenService.LEEWAY_SECONDS + 1));
    assertInvalidGrant(
        refreshGrant(second.refreshToken()), "The refresh token is invalid or expired.");
  }

  @Test
  void knownClientIdIsAccepted() {
    var login = pair(token(PASSWORD_LOGIN + "&client_id=tokenpair-demo"));
    pair(
        token(
            "grant_type=refresh_token&client_id=tokenpair-demo&refresh_token="
                + login.refreshToken()));
  }

  @Test
  void emptyParametersCountAsOmittedAndUnknownOnesAreIgnored() {
    var login = pair(token(PASSWORD_LOGIN + "&client_id=&scope=openid&foo=1&foo=2"));
    assertThat(login.refreshToken()).isNotEmpty();
    assertError(
        token("grant_type=refresh_token&refresh_token="),
        400,
        "invalid_request",
        "The parameter refresh_token is required.");
  }

  @Test
  void percentEncodedValuesAreDecoded() {
    restart(b -> b.passwordGrant(true).user("al ice", "p&ss=wörd+1"));
    pair(token("grant_type=password&username=al+ice&password=p%26ss%3Dw%C3%B6rd%2B1"));
  }

  // --- reuse detection, grace, concurrency: the cookie endpoint's rules ---

  @Test
  void reusedRefreshTokenRevokesTheFamilyAndItsAccessTokens() {
    var first = passwordLogin();
    var second = pair(refreshGrant(first.refreshToken()));
    assertInvalidGrant(
        refreshGrant(first.refreshToken()),
        "The refresh token was already used; the session ended.");
    assertInvalidGrant(
        refreshGrant(second.refreshToken()), "The refresh token is no longer valid.");
    assertThat(harness.getWithBearer("/api/me", second.accessToken()).code()).isEqualTo(401);
    assertThat(harness.getWithBearer("/api/me", first.accessToken()).code()).isEqualTo(401);
    var metrics = harness.server.metrics();
    assertThat(metrics.refreshCount("ok")).isEqualTo(1);
    assertThat(metrics.refreshCount("reuse_detected")).isEqualTo(1);
    assertThat(metrics.refreshCount("rejected")).isEqualTo(1);
    assertThat(metrics.tokenEndpointCount("refresh_token", "reuse_detected")).isEqualTo(1);
  }

  @Test
  void retryWithinTheGraceWindowGetsTheCurrentTokenWithoutRevoking() {
    restart(b -> b.passwordGrant(true).rotationGrace(Duration.ofSeconds(10)));
    var first = passwordLogin();
    var second = pair(refreshGrant(first.refreshToken()));
    harness.clock.advance(Duration.ofSeconds(10));
    var retry = pair(refreshGrant(first.refreshToken()));
    assertThat(JWT.decode(retry.refreshToken()).getId())
        .isEqualTo(JWT.decode(second.refreshToken()).getId());
    assertThat(generation(retry.refreshToken())).isEqualTo(1);
    assertThat(harness.getWithBearer("/api/me", second.accessToken()).code()).isEqualTo(200);
    assertThat(harness.server.metrics().refreshCount("grace")).isEqualTo(1);
    assertThat(harness.server.metrics().tokenEndpointCount("refresh_token", "grace")).isEqualTo(1);
    harness.clock.advance(Duration.ofSeconds(1));
    assertInvalidGrant(
        refreshGrant(first.refreshToken()),
        "The refresh token was already used; the session ended.");
    assertThat(harness.getWithBearer("/api/me", second.accessToken()).code()).isEqualTo(401);
  }

  /** Sends {@code n} requests at once, the i-th built by {@code request.apply(i)}; their codes. */
  private List<Integer> burst(int n, IntFunction<Request> request) throws Exception {
    var barrier = new CyclicBarrier(n);
    var pool = Executors.newFixedThreadPool(n);
    try {
      var futures = new ArrayList<Future<Integer>>();
      for (int i = 0; i < n; i++) {
        var call = request.apply(i);
        futures.add(
            pool.submit(
                () -> {
                  barrier.await();
                  return harness.execute(call).code();
                }));
      }
      var codes = new ArrayList<Integer>();
      for (var f : futures) codes.add(f.get(10, TimeUnit.SECONDS));
      return codes;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @Timeout(20)
  void parallelRefreshesWithOneTokenGiveExactlyOne200() throws Exception {
    var rt = passwordLogin().refreshToken();
    int n = 8;
    var codes = burst(n, i -> tokenRequest("grant_type=refresh_token&refresh_token=" + rt).build());
    assertThat(codes).filteredOn(c -> c == 200).hasSize(1);
    assertThat(codes).filteredOn(c -> c == 400).hasSize(n - 1);
    var metrics = harness.server.metrics();
    assertThat(metrics.refreshCount("ok")).isEqualTo(1);
    assertThat(metrics.refreshCount("reuse_detected")).isEqualTo(1);
    assertThat(metrics.refreshCount("rejected")).isEqualTo(n - 2);
    assertThat(metrics.tokenEndpointCount("refresh_token", "ok")).isEqualTo(1);
    assertThat(metrics.tokenEndpointCount("refresh_token", "reuse_detected")).isEqualTo(1);
    assertThat(metrics.tokenEndpointCount("refresh_token", "rejected")).isEqualTo(n - 2);
  }

  @Test
  @Timeout(20)
  void parallelRefreshesThroughBothEndpointsShareOneRotation() throws Exception {
    var rt = passwordLogin().refreshToken();
    int n = 8;
    var codes =
        burst(
            n,
            i ->
                i % 2 == 0
                    ? tokenRequest("grant_type=refresh_token&refresh_token=" + rt).build()
                    : harness
                        .request("/auth/refresh")
                        .header("Cookie", "rt=" + rt)
                        .post(RequestBody.create(new byte[0]))
                        .build());
    assertThat(codes).filteredOn(c -> c == 200).hasSize(1);
    assertThat(codes).filteredOn(c -> c == 400 || c == 401).hasSize(n - 1);
    var metrics = harness.server.metrics();
    assertThat(metrics.refreshCount("ok")).isEqualTo(1);
    assertThat(metrics.refreshCount("reuse_detected")).isEqualTo(1);
    assertThat(metrics.refreshCount("rejected")).isEqualTo(n - 2);
  }

  // --- sessions shared with the cookie endpoints (one refresh-token kind) ---

  @Test
  void bodyRefreshTokenWorksAsTheRtCookieAndRotatesTheSameFamily() {
    var login = passwordLogin();
    var viaCookie = harness.refreshPair(login.refreshToken());
    assertThat(generation(viaCookie.refreshToken())).isEqualTo(1);
    var viaBody = pair(refreshGrant(viaCookie.refreshToken()));
    assertThat(generation(viaBody.refreshToken())).isEqualTo(2);
    assertThat(JWT.decode(viaBody.refreshToken()).getClaim("sid").asString())
        .isEqualTo(JWT.decode(login.refreshToken()).getClaim("sid").asString());
    // the token spent at /auth/refresh is reuse at /oauth/token: the family ends
    assertInvalidGrant(
        refreshGrant(login.refreshToken()),
        "The refresh token was already used; the session ended.");
    assertThat(harness.refresh(viaBody.refreshToken()).code()).isEqualTo(401);
    assertThat(harness.getWithBearer("/api/me", viaBody.accessToken()).code()).isEqualTo(401);
  }

  @Test
  void cookieLoginContinuesThroughTheTokenEndpoint() {
    var login = harness.login();
    var viaBody = pair(refreshGrant(login.refreshToken()));
    assertThat(generation(viaBody.refreshToken())).isEqualTo(1);
    var replay = harness.refresh(login.refreshToken());
    assertThat(replay.code()).isEqualTo(401);
    assertThat(replay.json().get("error").asText()).isEqualTo("refresh_token_reused");
    assertThat(harness.getWithBearer("/api/me", viaBody.accessToken()).code()).isEqualTo(401);
  }

  @Test
  void anRtCookieIsIgnoredByTheTokenEndpoint() {
    var login = harness.login();
    var answer =
        harness.execute(
            tokenRequest("grant_type=refresh_token")
                .header("Cookie", "rt=" + login.refreshToken())
                .build());
    assertError(answer, 400, "invalid_request", "The parameter refresh_token is required.");
    // nothing was consumed
    assertThat(harness.refresh(login.refreshToken()).code()).isEqualTo(200);
  }

  @Test
  void logoutWithTheAccessTokenEndsAnOauthSession() {
    var login = passwordLogin();
    var logout =
        harness.execute(
            harness
                .request("/auth/logout")
                .header("Authorization", "Bearer " + login.accessToken())
                .post(RequestBody.create(new byte[0]))
                .build());
    assertThat(logout.code()).isEqualTo(204);
    assertInvalidGrant(refreshGrant(login.refreshToken()), "The refresh token is no longer valid.");
  }

  @Test
  void accessTokenAsRefreshTokenIsInvalidGrant() {
    var login = passwordLogin();
    assertInvalidGrant(
        refreshGrant(login.accessToken()), "The refresh token is invalid or expired.");
    assertInvalidGrant(refreshGrant("garbage"), "The refresh token is invalid or expired.");
    // the family is untouched
    pair(refreshGrant(login.refreshToken()));
  }

  // --- password grant: off by default, the login's rules ---

  @Test
  void passwordGrantIsOffByDefault() {
    restart(b -> {});
    assertError(
        token(PASSWORD_LOGIN),
        400,
        "unsupported_grant_type",
        "The password grant is off (--password-grant on).");
    assertThat(harness.server.metrics().loginCount("ok")).isZero();
    assertThat(harness.server.sessions().activeCount(harness.clock.instant())).isZero();
    // the refresh grant is on regardless
    pair(refreshGrant(harness.login().refreshToken()));
  }

  @Test
  void wrongPasswordAndUnknownUserGetTheSameInvalidGrant() {
    var wrong = token("grant_type=password&username=demo&password=nope");
    var unknown = token("grant_type=password&username=nobody&password=nope");
    assertInvalidGrant(wrong, "The username or password is wrong.");
    assertThat(unknown.body()).isEqualTo(wrong.body());
    assertThat(harness.server.metrics().loginCount("invalid_credentials")).isEqualTo(2);
    assertThat(harness.server.metrics().tokenEndpointCount("password", "invalid_credentials"))
        .isEqualTo(2);
  }

  @Test
  void passwordGrantIsThrottledWith429AndRetryAfter() {
    restart(b -> b.passwordGrant(true).maxFailuresPerAccount(3));
    for (int i = 0; i < 3; i++) {
      assertInvalidGrant(
          token("grant_type=password&username=demo&password=x"),
          "The username or password is wrong.");
    }
    var blocked = token(PASSWORD_LOGIN);
    assertError(blocked, 429, "too_many_attempts", "Too many failed logins. Try again later.");
    assertThat(blocked.header("Retry-After")).isEqualTo("900");
    assertThat(harness.server.metrics().tokenEndpointCount("password", "throttled")).isEqualTo(1);
    harness.clock.advance(Duration.ofMinutes(15));
    passwordLogin();
  }

  @Test
  void throttlingCountsFailuresAtBothLoginEndpointsTogether() {
    restart(b -> b.passwordGrant(true).maxFailuresPerAccount(3));
    assertThat(harness.loginAnswer("demo", "x").code()).isEqualTo(401);
    assertThat(harness.loginAnswer("demo", "x").code()).isEqualTo(401);
    assertInvalidGrant(
        token("grant_type=password&username=demo&password=x"),
        "The username or password is wrong.");
    assertThat(token(PASSWORD_LOGIN).code()).isEqualTo(429);
    assertThat(harness.loginAnswer("demo", "demo-password").code()).isEqualTo(429);
    assertThat(harness.server.metrics().loginCount("throttled")).isEqualTo(2);
    assertThat(harness.server.metrics().tokenEndpointCount("password", "throttled")).isEqualTo(1);
  }

  @Test
  void passwordGrantNeedsTheCaptchaUnlessItIsOff() {
    restart(b -> b.passwordGrant(true).captcha(CaptchaMode.REVEAL));
    var captchaText = "The captcha is missing, wrong, expired or already used. Get a new one.";
    assertInvalidGrant(token(PASSWORD_LOGIN), captchaText);
    var captcha = harness.get("/auth/captcha").json().get("data");
    var form =
        PASSWORD_LOGIN
            + "&captcha_id="
            + captcha.get("captcha_id").asText()
            + "&captcha="
            + captcha.get("answer").asText();
    pair(token(form));
    assertInvalidGrant(token(form), captchaText);
    assertThat(harness.server.metrics().tokenEndpointCount("password", "invalid_captcha"))
        .isEqualTo(2);
  }

  @Test
  void passwordGrantNeedsUsernameAndPassword() {
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

  // --- RFC 6749 §5.2 errors ---

  @Test
  void missingGrantTypeIsInvalidRequest() {
    assertError(
        token("refresh_token=x"), 400, "invalid_request", "The parameter grant_type is required.");
  }

  @Test
  void unknownGrantTypeIsUnsupported() {
    assertError(
        token("grant_type=authorization_code&code=x"),
        400,
        "unsupported_grant_type",
        "The grant type is not supported; use refresh_token or password.");
    restart(b -> {});
    assertError(
        token("grant_type=client_credentials"),
        400,
        "unsupported_grant_type",
        "The grant type is not supported; use refresh_token.");
  }

  @Test
  void repeatedParametersAreInvalidRequestAndConsumeNothing() {
    var login = passwordLogin();
    assertError(
        token(
            "grant_type=refresh_token&grant_type=refresh_token&refresh_token="
                + login.refreshToken()),
        400,
        "invalid_request",
        "The parameter grant_type is repeated.");
    assertError(
        token(
            "grant_type=refresh_token&refresh_token="
                + login.refreshToken()
                + "&refresh_token="
                + login.refreshToken()),
        400,
        "invalid_request",
        "The parameter refresh_token is repeated.");
    assertError(
        token(PASSWORD_LOGIN + "&password=other"),
        400,
        "invalid_request",
        "The parameter password is repeated.");
    pair(refreshGrant(login.refreshToken()));
  }

  @Test
  void malformedPercentEncodingIsInvalidRequest() {
    assertError(
        token("grant_type=refresh_token&refresh_token=%zz"),
        400,
        "invalid_request",
        "The request body is not valid form encoding.");
  }

  @Test
  void unknownClientIsInvalidClientWith401AndAChallenge() {
    var login = passwordLogin();
    var answer =
        token("grant_type=refresh_token&client_id=other&refresh_token=" + login.refreshToken());
    assertError(answer, 401, "invalid_client", "Unknown client.");
    assertThat(answer.header("WWW-Authenticate")).isEqualTo("Basic realm=\"tokenpair\"");
    assertError(
        token(PASSWORD_LOGIN + "&client_id=other"), 401, "invalid_client", "Unknown client.");
    // the refused refresh consumed nothing
    pair(refreshGrant(login.refreshToken()));
    assertThat(harness.server.metrics().tokenEndpointCount("refresh_token", "rejected"))
        .isEqualTo(1);
  }

  @Test
  void clientAuthenticationIsRefusedForThePublicClient() {
    var login = passwordLogin();
    var text = "The client tokenpair-demo is public: send no client credentials.";
    var basic =
        harness.execute(
            tokenRequest("grant_type=refresh_token&refresh_token=" + login.refreshToken())
                .header("Authorization", Credentials.basic("tokenpair-demo", "secret"))
                .build());
    assertError(basic, 401, "invalid_client", text);
    assertThat(basic.header("WWW-Authenticate")).isEqualTo("Basic realm=\"tokenpair\"");
    assertError(
        token(
            "grant_type=refresh_token&client_id=tokenpair-demo&client_secret=s&refresh_token="
                + login.refreshToken()),
        401,
        "invalid_client",
        text);
    pair(refreshGrant(login.refreshToken()));
  }

  @Test
  void aBearerHeaderOnTheTokenEndpointIsIgnored() {
    var login = passwordLogin();
    pair(
        harness.execute(
            tokenRequest("grant_type=refresh_token&refresh_token=" + login.refreshToken())
                .header("Authorization", "Bearer " + login.accessToken())
                .build()));
  }

  @Test
  void anotherContentTypeIs415() {
    assertError(
        harness.postJson("/oauth/token", "{\"grant_type\":\"password\"}"),
        415,
        "invalid_request",
        "The request body must be application/x-www-form-urlencoded.");
    assertError(
        harness.execute(
            harness
                .request("/oauth/token")
                .post(RequestBody.create(PASSWORD_LOGIN.getBytes()))
                .build()),
        415,
        "invalid_request",
        "The request body must be application/x-www-form-urlencoded.");
  }

  @Test
  void bodyOverTheLimitIs413DeclaredOrNot() {
    var big = PASSWORD_LOGIN + "&pad=" + "a".repeat(Http.MAX_BODY_BYTES);
    var text = "The request body is larger than 16384 bytes.";
    assertError(token(big), 413, "invalid_request", text);
    var chunked =
        new RequestBody() {
          @Override
          public MediaType contentType() {
            return FORM;
          }

          @Override
          public long contentLength() {
            return -1;
          }

          @Override
          public void writeTo(BufferedSink sink) throws IOException {
            sink.writeUtf8(big);
          }
        };
    assertError(
        harness.execute(harness.request("/oauth/token").post(chunked).build()),
        413,
        "invalid_request",
        text);
    assertThat(harness.server.metrics().loginCount("ok")).isZero();
  }

  @Test
  void tokenEndpointIsPostOnly() {
    var answer = harness.get("/oauth/token");
    assertError(answer, 405, "invalid_request", "Use POST.");
    assertThat(answer.header("Allow")).isEqualTo("POST");
  }

  @Test
  void unavailableStoreIs503TemporarilyUnavailable() throws Exception {
    var memory = new InMemorySessionStore();
    var down = new AtomicBoolean();
    var store =
        (SessionStore)
            Proxy.newProxyInstance(
                SessionStore.class.getClassLoader(),
                new Class<?>[] {SessionStore.class},
                (proxy, method, args) -> {
                  if (down.get()) throw new SessionStoreException("down", null);
                  try {
                    return method.invoke(memory, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    var config =
        DemoConfig.builder()
            .port(0)
            .captcha(CaptchaMode.OFF)
            .passwordIterations(1_000)
            .passwordGrant(true)
            .build();
    var server = new DemoServer(config, store).start();
    try {
      var url = server.baseUrl() + "/oauth/token";
      Function<String, Harness.Answer> post =
          form ->
              harness.execute(
                  new Request.Builder().url(url).post(RequestBody.create(form, FORM)).build());
      var refresh =
          "grant_type=refresh_token&refresh_token="
              + pair(post.apply(PASSWORD_LOGIN)).refreshToken();
      down.set(true);
      var answer = post.apply(refresh);
      assertError(answer, 503, "temporarily_unavailable", "Sessions are unavailable. Try again.");
      assertThat(answer.header("Retry-After")).isEqualTo("1");
      down.set(false);
      pair(post.apply(refresh)); // nothing was consumed
    } finally {
      server.stop();
    }
  }

  // --- CSRF and CORS: no cookies, so no Origin check ---

  @Test
  void aForeignOriginIsNotRefusedButGetsNoCorsHeaders() {
    restart(b -> b.passwordGrant(true).corsOrigin("http://localhost:5173"));
    var foreign =
        harness.execute(
            tokenRequest(PASSWORD_LOGIN).header("Origin", "https://evil.example").build());
    pair(foreign);
    assertThat(foreign.header("Access-Control-Allow-Origin")).isNull();
    assertThat(foreign.header("Vary")).isEqualTo("Origin");
    var allowed =
        harness.execute(
            tokenRequest(PASSWORD_LOGIN).header("Origin", "http://localhost:5173").build());
    pair(allowed);
    assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo("http://localhost:5173");
  }

  // --- metrics ---

  @Test
  void grantsAreCountedInTheSharedCountersAndTheTokenEndpointCounter() {
    var login = passwordLogin();
    var second = pair(refreshGrant(login.refreshToken()));
    harness.refreshPair(second.refreshToken());
    harness.login();
    token("grant_type=password&username=demo&password=x");
    var metrics = harness.get("/metrics").body();
    assertThat(metrics)
        .contains("tokenpair_login_total{outcome=\"ok\"} 2\n")
        .contains("tokenpair_login_total{outcome=\"invalid_credentials\"} 1\n")
        .contains("tokenpair_refresh_total{outcome=\"ok\"} 2\n")
        .contains("tokenpair_token_endpoint_total{grant=\"password\",outcome=\"ok\"} 1\n")
        .contains(
            "tokenpair_token_endpoint_total{grant=\"password\",outcome=\"invalid_credentials\"} 1\n")
        .contains("tokenpair_token_endpoint_total{grant=\"password\",outcome=\"throttled\"} 0\n")
        .contains("tokenpair_token_endpoint_total{grant=\"refresh_token\",outcome=\"ok\"} 1\n")
        .contains("tokenpair_token_endpoint_total{grant=\"refresh_token\",outcome=\"grace\"} 0\n");
  }
}
