package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import io.tokenpair.demo.DemoConfig.CaptchaMode;
import io.tokenpair.demo.DemoConfig.SecureCookie;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Login, refresh and logout against the real server. */
class AuthEndpointsTest {
  private static final String CLEARED = "rt=; Path=/auth; HttpOnly; SameSite=Strict; Max-Age=0";

  private Harness harness = new Harness();

  @AfterEach
  void stop() {
    harness.close();
  }

  private void restart(java.util.function.Consumer<DemoConfig.Builder> customize) {
    harness.close();
    harness = new Harness(customize);
  }

  private Harness.Answer post(String path, String cookie) {
    var request = harness.request(path).post(RequestBody.create(new byte[0]));
    if (cookie != null) request.header("Cookie", cookie);
    return harness.execute(request.build());
  }

  // --- login ---

  @Test
  void loginAnswersWithTheTokenEnvelopeAndTheRtCookie() {
    var login = harness.loginAnswer("demo", "demo-password");
    assertThat(login.code()).isEqualTo(200);
    assertThat(login.header("Cache-Control")).isEqualTo("no-store");
    var data = login.json().get("data");
    assertThat(login.json().get("code").asInt()).isZero();
    assertThat(login.json().get("message").asText()).isEqualTo("ok");
    assertThat(data.get("token_type").asText()).isEqualTo("Bearer");
    assertThat(data.get("expires_in").asLong()).isEqualTo(900);
    assertThat(JWT.decode(data.get("access_token").asText()).getType()).isEqualTo("at+jwt");
    assertThat(login.response().headers("Set-Cookie")).hasSize(1);
    assertThat(login.header("Set-Cookie"))
        .matches("rt=[A-Za-z0-9_.-]+; Path=/auth; HttpOnly; SameSite=Strict; Max-Age=1296000");
  }

  @Test
  void accessAndRefreshTokensShareTheSessionId() {
    var pair = harness.login();
    var at = JWT.decode(pair.accessToken());
    var rt = JWT.decode(pair.refreshToken());
    assertThat(at.getClaim("sid").asString()).isNotBlank().isEqualTo(rt.getClaim("sid").asString());
    assertThat(rt.getExpiresAtAsInstant())
        .isEqualTo(
            harness.clock.instant().truncatedTo(ChronoUnit.SECONDS).plus(Duration.ofDays(15)));
  }

  @Test
  void wrongPasswordAndUnknownUserGetTheSameAnswer() {
    var wrong = harness.loginAnswer("demo", "nope");
    var unknown = harness.loginAnswer("nobody", "nope");
    assertThat(wrong.code()).isEqualTo(401);
    assertThat(unknown.code()).isEqualTo(401);
    assertThat(wrong.body())
        .isEqualTo(
            "{\"code\":401,\"error\":\"invalid_credentials\",\"message\":\"The username or"
                + " password is wrong.\"}")
        .isEqualTo(unknown.body());
    assertThat(wrong.header("Set-Cookie")).isNull();
  }

  @Test
  void missingPasswordIs400() {
    var login = harness.postJson("/auth/login", "{\"username\":\"demo\"}");
    assertThat(login.code()).isEqualTo(400);
    assertThat(login.json().get("error").asText()).isEqualTo("invalid_request");
  }

  @Test
  void accountIsThrottledWith429AndRetryAfter() {
    restart(b -> b.maxFailuresPerAccount(3).throttleWindow(Duration.ofMinutes(15)));
    for (int i = 0; i < 3; i++) assertThat(harness.loginAnswer("demo", "x").code()).isEqualTo(401);
    var blocked = harness.loginAnswer("demo", "demo-password");
    assertThat(blocked.code()).isEqualTo(429);
    assertThat(blocked.header("Retry-After")).isEqualTo("900");
    assertThat(blocked.json().get("error").asText()).isEqualTo("too_many_attempts");
    harness.clock.advance(Duration.ofMinutes(15));
    assertThat(harness.loginAnswer("demo", "demo-password").code()).isEqualTo(200);
  }

  @Test
  void ipIsThrottledAcrossAccounts() {
    restart(b -> b.maxFailuresPerIp(2));
    harness.loginAnswer("a", "x");
    harness.loginAnswer("b", "x");
    var blocked = harness.loginAnswer("demo", "demo-password");
    assertThat(blocked.code()).isEqualTo(429);
    assertThat(blocked.header("Retry-After")).isEqualTo("900");
  }

  /**
   * Password checks that are counted and held: each waits until every request of the burst has
   * either started its check or been answered without one, so all checks overlap.
   */
  private static final class HeldChecks implements UnaryOperator<UserDirectory.Verifier> {
    final AtomicInteger checks = new AtomicInteger();
    final CountDownLatch settled;

    HeldChecks(int requests) {
      settled = new CountDownLatch(requests);
    }

    @Override
    public UserDirectory.Verifier apply(UserDirectory.Verifier real) {
      return (password, stored) -> {
        checks.incrementAndGet();
        settled.countDown();
        try {
          if (!settled.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("stuck");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
        return real.verify(password, stored);
      };
    }

    /**
     * Sends {@code n} wrong-password logins at once, the i-th for {@code username.apply(i)};
     * returns their status codes.
     */
    List<Integer> burst(Harness harness, int n, IntFunction<String> username) throws Exception {
      var barrier = new CyclicBarrier(n);
      var pool = Executors.newFixedThreadPool(n);
      try {
        var futures = new ArrayList<Future<Integer>>();
        for (int i = 0; i < n; i++) {
          var name = username.apply(i);
          futures.add(
              pool.submit(
                  () -> {
                    barrier.await();
                    var answer = harness.loginAnswer(name, "wrong-password");
                    if (answer.code() == 429) {
                      assertThat(answer.header("Retry-After")).isEqualTo("900");
                      settled.countDown();
                    }
                    return answer.code();
                  }));
        }
        var codes = new ArrayList<Integer>();
        for (var f : futures) codes.add(f.get(30, TimeUnit.SECONDS));
        return codes;
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  @Timeout(60)
  void concurrentWrongPasswordsForOneAccountReachTheHasherExactlyLimitTimes() throws Exception {
    int n = 64;
    var held = new HeldChecks(n);
    harness.close();
    harness =
        new Harness(b -> b.maxFailuresPerAccount(5).maxFailuresPerIp(1_000).threads(n + 4), held);
    var codes = held.burst(harness, n, i -> "demo");
    assertThat(held.checks).hasValue(5);
    assertThat(codes).filteredOn(c -> c == 401).hasSize(5);
    assertThat(codes).filteredOn(c -> c == 429).hasSize(n - 5);
    assertThat(harness.loginAnswer("demo", "demo-password").code()).isEqualTo(429);
    assertThat(held.checks).hasValue(5);
  }

  @Test
  @Timeout(60)
  void concurrentWrongPasswordsFromOneIpReachTheHasherExactlyLimitTimes() throws Exception {
    int n = 64;
    var held = new HeldChecks(n);
    harness.close();
    harness =
        new Harness(b -> b.maxFailuresPerAccount(1_000).maxFailuresPerIp(5).threads(n + 4), held);
    var codes = held.burst(harness, n, i -> i % 2 == 0 ? "demo" : "nobody-" + i);
    assertThat(held.checks).hasValue(5);
    assertThat(codes).filteredOn(c -> c == 401).hasSize(5);
    assertThat(codes).filteredOn(c -> c == 429).hasSize(n - 5);
  }

  // --- captcha ---

  @Test
  void captchaIsRequiredByDefaultAndCheckedBeforeThePassword() {
    restart(b -> b.captcha(CaptchaMode.ON));
    var captcha = harness.get("/auth/captcha");
    assertThat(captcha.code()).isEqualTo(200);
    assertThat(captcha.json().at("/data/image").asText()).startsWith("data:image/png;base64,");
    assertThat(captcha.json().at("/data").has("answer")).isFalse();
    // the right password with a wrong captcha is refused as a captcha failure
    var login =
        harness.postJson(
            "/auth/login",
            "{\"username\":\"demo\",\"password\":\"demo-password\",\"captcha_id\":\""
                + captcha.json().at("/data/captcha_id").asText()
                + "\",\"captcha\":\"wrong\"}");
    assertThat(login.code()).isEqualTo(400);
    assertThat(login.json().get("error").asText()).isEqualTo("invalid_captcha");
    assertThat(harness.loginAnswer("demo", "demo-password").code()).isEqualTo(400);
  }

  @Test
  void revealedCaptchaLogsInOnceOnly() {
    restart(b -> b.captcha(CaptchaMode.REVEAL));
    var captcha = harness.get("/auth/captcha").json().get("data");
    var body =
        "{\"username\":\"demo\",\"password\":\"demo-password\",\"captcha_id\":\""
            + captcha.get("captcha_id").asText()
            + "\",\"captcha\":\""
            + captcha.get("answer").asText()
            + "\"}";
    assertThat(harness.postJson("/auth/login", body).code()).isEqualTo(200);
    var again = harness.postJson("/auth/login", body);
    assertThat(again.code()).isEqualTo(400);
    assertThat(again.json().get("error").asText()).isEqualTo("invalid_captcha");
  }

  /** A login body with a fresh revealed captcha, answered right or with {@code wrong}. */
  private String loginWithCaptcha(String username, String password, boolean rightCaptcha) {
    var captcha = harness.get("/auth/captcha").json().get("data");
    return "{\"username\":\""
        + username
        + "\",\"password\":\""
        + password
        + "\",\"captcha_id\":\""
        + captcha.get("captcha_id").asText()
        + "\",\"captcha\":\""
        + (rightCaptcha ? captcha.get("answer").asText() : "wrong")
        + "\"}";
  }

  @Test
  void wrongCaptchasHaveTheirOwnBudgetAndLeaveThePasswordBudgetAlone() {
    restart(b -> b.captcha(CaptchaMode.REVEAL).maxFailuresPerIp(2));
    for (int i = 0; i < 10; i++) {
      var wrong = harness.postJson("/auth/login", loginWithCaptcha("demo", "x", false));
      assertThat(wrong.code()).isEqualTo(400);
    }
    var ok = harness.postJson("/auth/login", loginWithCaptcha("demo", "demo-password", true));
    assertThat(ok.code()).as(ok.body()).isEqualTo(200);
  }

  @Test
  void wrongCaptchasBeyondTheirBudgetAreThrottled() {
    restart(b -> b.captcha(CaptchaMode.REVEAL).maxCaptchaFailuresPerIp(3));
    for (int i = 0; i < 3; i++) {
      assertThat(harness.postJson("/auth/login", loginWithCaptcha("a" + i, "x", false)).code())
          .isEqualTo(400);
    }
    var throttled =
        harness.postJson("/auth/login", loginWithCaptcha("demo", "demo-password", true));
    assertThat(throttled.code()).isEqualTo(429);
    assertThat(throttled.header("Retry-After")).isEqualTo("900");
  }

  private Harness.Answer loginFrom(String peerHeader, String username, String password) {
    var request =
        harness
            .request("/auth/login")
            .post(
                RequestBody.create(
                    "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}",
                    Harness.JSON));
    if (peerHeader != null) request.header("X-Forwarded-For", peerHeader);
    return harness.execute(request.build());
  }

  @Test
  void behindATrustedProxyEachClientHasItsOwnBudget() {
    restart(b -> b.trustedProxy("127.0.0.0/8").maxFailuresPerIp(2));
    loginFrom("203.0.113.7", "a", "x");
    loginFrom("198.51.100.1, 203.0.113.7", "b", "x"); // the leftmost is the client's own claim
    assertThat(loginFrom("203.0.113.7", "demo", "demo-password").code()).isEqualTo(429);
    assertThat(loginFrom("203.0.113.8", "demo", "demo-password").code()).isEqualTo(200);
  }

  @Test
  void forwardedForIsIgnoredFromAPeerThatIsNoTrustedProxy() {
    restart(b -> b.trustedProxy("10.0.0.0/8").maxFailuresPerIp(2));
    loginFrom("203.0.113.7", "a", "x");
    loginFrom("203.0.113.8", "b", "x");
    assertThat(loginFrom("203.0.113.9", "demo", "demo-password").code()).isEqualTo(429);
  }

  // --- refresh ---

  @Test
  void refreshRotatesTheRefreshToken() {
    var pair = harness.login();
    var refresh = harness.refresh(pair.refreshToken());
    assertThat(refresh.code()).isEqualTo(200);
    assertThat(refresh.header("Cache-Control")).isEqualTo("no-store");
    assertThat(refresh.json().at("/data/token_type").asText()).isEqualTo("Bearer");
    var rotated = refresh.rtCookie();
    assertThat(JWT.decode(rotated).getId()).isNotEqualTo(JWT.decode(pair.refreshToken()).getId());
    var newAccess = refresh.json().at("/data/access_token").asText();
    assertThat(harness.getWithBearer("/api/me", newAccess).code()).isEqualTo(200);
    assertThat(harness.refresh(rotated).code()).isEqualTo(200);
  }

  @Test
  void rotationNeverExtendsTheFamilyExpiry() {
    var pair = harness.login();
    var familyEnd = JWT.decode(pair.refreshToken()).getExpiresAtAsInstant();
    harness.clock.advance(Duration.ofDays(2));
    var refresh = harness.refresh(pair.refreshToken());
    assertThat(JWT.decode(refresh.rtCookie()).getExpiresAtAsInstant()).isEqualTo(familyEnd);
    assertThat(refresh.header("Set-Cookie"))
        .endsWith("; Max-Age=" + Duration.ofDays(13).toSeconds());
  }

  @Test
  void familyEndsAtItsAbsoluteExpiry() {
    var pair = harness.login();
    harness.clock.advance(Duration.ofDays(14));
    var rt = harness.refreshPair(pair.refreshToken()).refreshToken();
    harness.clock.advance(Duration.ofDays(1));
    var refresh = harness.refresh(rt);
    assertThat(refresh.code()).isEqualTo(401);
    assertThat(refresh.header("Set-Cookie")).isEqualTo(CLEARED);
  }

  @Test
  void replayedRefreshTokenRevokesTheFamilyAndItsAccessTokens() {
    var first = harness.login();
    var second = harness.refreshPair(first.refreshToken());
    var replay = harness.refresh(first.refreshToken());
    assertThat(replay.code()).isEqualTo(401);
    assertThat(replay.json().get("error").asText()).isEqualTo("refresh_token_reused");
    assertThat(replay.header("Set-Cookie")).isEqualTo(CLEARED);
    // the legitimate holder's tokens are dead too
    assertThat(harness.refresh(second.refreshToken()).code()).isEqualTo(401);
    assertThat(harness.getWithBearer("/api/me", second.accessToken()).code()).isEqualTo(401);
    assertThat(harness.getWithBearer("/api/me", first.accessToken()).code()).isEqualTo(401);
    assertThat(harness.server.metrics().refreshCount("reuse_detected")).isEqualTo(1);
  }

  @Test
  void replayWithinTheGraceWindowGetsAFreshPairWithoutRevoking() {
    restart(b -> b.rotationGrace(Duration.ofSeconds(10)));
    var first = harness.login();
    var second = harness.refreshPair(first.refreshToken());
    harness.clock.advance(Duration.ofSeconds(10));
    var retry = harness.refresh(first.refreshToken());
    assertThat(retry.code()).isEqualTo(200);
    assertThat(harness.getWithBearer("/api/me", second.accessToken()).code()).isEqualTo(200);
    assertThat(harness.server.metrics().refreshCount("grace")).isEqualTo(1);
    harness.clock.advance(Duration.ofSeconds(1));
    assertThat(harness.refresh(first.refreshToken()).code()).isEqualTo(401);
  }

  @Test
  @Timeout(20)
  void parallelRefreshesWithOneRtGiveExactlyOne200() throws Exception {
    var rt = harness.login().refreshToken();
    int n = 8;
    var barrier = new CyclicBarrier(n);
    var pool = Executors.newFixedThreadPool(n);
    try {
      var futures = new ArrayList<Future<Integer>>();
      for (int i = 0; i < n; i++) {
        futures.add(
            pool.submit(
                () -> {
                  barrier.await();
                  return harness.refresh(rt).code();
                }));
      }
      var codes = new ArrayList<Integer>();
      for (var f : futures) codes.add(f.get(10, TimeUnit.SECONDS));
      assertThat(codes).filteredOn(c -> c == 200).hasSize(1);
      assertThat(codes).filteredOn(c -> c == 401).hasSize(n - 1);
      var metrics = harness.server.metrics();
      assertThat(metrics.refreshCount("ok")).isEqualTo(1);
      assertThat(metrics.refreshCount("reuse_detected")).isEqualTo(1);
      assertThat(metrics.refreshCount("rejected")).isEqualTo(n - 2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @Timeout(20)
  void parallelRefreshesWithinGraceAllSucceed() throws Exception {
    restart(b -> b.rotationGrace(Duration.ofSeconds(5)));
    var rt = harness.login().refreshToken();
    int n = 6;
    var barrier = new CyclicBarrier(n);
    var pool = Executors.newFixedThreadPool(n);
    try {
      var futures = new ArrayList<Future<Integer>>();
      for (int i = 0; i < n; i++) {
        futures.add(
            pool.submit(
                () -> {
                  barrier.await();
                  return harness.refresh(rt).code();
                }));
      }
      for (var f : futures) assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(200);
      assertThat(harness.server.metrics().refreshCount("ok")).isEqualTo(1);
      assertThat(harness.server.metrics().refreshCount("grace")).isEqualTo(n - 1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void accessTokenSentAsRtIsRejectedAndTheCookieCleared() {
    var pair = harness.login();
    var refresh = harness.refresh(pair.accessToken());
    assertThat(refresh.code()).isEqualTo(401);
    assertThat(refresh.json().get("error").asText()).isEqualTo("invalid_refresh_token");
    assertThat(refresh.header("Set-Cookie")).isEqualTo(CLEARED);
  }

  @Test
  void garbageRtIs401WithTheCookieCleared() {
    var refresh = harness.refresh("garbage");
    assertThat(refresh.code()).isEqualTo(401);
    assertThat(refresh.header("WWW-Authenticate"))
        .isEqualTo("Bearer realm=\"tokenpair\", error=\"invalid_token\"");
    assertThat(refresh.header("Set-Cookie")).isEqualTo(CLEARED);
  }

  @Test
  void refreshWithoutCookieIs401WithoutErrorAttribute() {
    var refresh = post("/auth/refresh", null);
    assertThat(refresh.code()).isEqualTo(401);
    assertThat(refresh.json().get("error").asText()).isEqualTo("missing_refresh_token");
    assertThat(refresh.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"tokenpair\"");
    assertThat(refresh.header("Set-Cookie")).isEqualTo(CLEARED);
  }

  @Test
  void twoRtCookiesAre400() {
    var pair = harness.login();
    var refresh = post("/auth/refresh", "rt=" + pair.refreshToken() + "; rt=other");
    assertThat(refresh.code()).isEqualTo(400);
    assertThat(refresh.header("Set-Cookie")).isEqualTo(CLEARED);
    // and nothing was consumed
    assertThat(harness.refresh(pair.refreshToken()).code()).isEqualTo(200);
  }

  @Test
  void refreshIsPostOnly() {
    var pair = harness.login();
    var get =
        harness.execute(
            harness.request("/auth/refresh").header("Cookie", "rt=" + pair.refreshToken()).build());
    assertThat(get.code()).isEqualTo(405);
    assertThat(get.header("Allow")).isEqualTo("POST");
    assertThat(harness.get("/auth/logout").code()).isEqualTo(405);
    assertThat(harness.get("/auth/logout").header("Allow")).isEqualTo("POST");
  }

  @Test
  void foreignOriginCannotRefreshOrLogout() {
    restart(b -> b.corsOrigin("http://localhost:5173"));
    var pair = harness.login();
    for (var path : new String[] {"/auth/refresh", "/auth/logout"}) {
      var answer =
          harness.execute(
              harness
                  .request(path)
                  .header("Origin", "https://evil.example")
                  .header("Cookie", "rt=" + pair.refreshToken())
                  .post(RequestBody.create(new byte[0]))
                  .build());
      assertThat(answer.code()).as(path).isEqualTo(403);
      assertThat(answer.json().get("error").asText()).isEqualTo("origin_not_allowed");
      assertThat(answer.header("Access-Control-Allow-Origin")).isNull();
    }
    assertThat(harness.getWithBearer("/api/me", pair.accessToken()).code()).isEqualTo(200);
  }

  @Test
  void allowedOriginRefreshesWithCredentialsCors() {
    restart(b -> b.corsOrigin("http://localhost:5173"));
    var pair = harness.login();
    var answer =
        harness.execute(
            harness
                .request("/auth/refresh")
                .header("Origin", "http://localhost:5173")
                .header("Cookie", "rt=" + pair.refreshToken())
                .post(RequestBody.create(new byte[0]))
                .build());
    assertThat(answer.code()).isEqualTo(200);
    assertThat(answer.header("Access-Control-Allow-Origin")).isEqualTo("http://localhost:5173");
    assertThat(answer.header("Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(answer.header("Vary")).isEqualTo("Origin");
  }

  // --- cookie Secure attribute ---

  @Test
  void autoSecureCookieFollowsXForwardedProto() {
    var plain = harness.loginAnswer("demo", "demo-password");
    assertThat(plain.header("Set-Cookie")).doesNotContain("Secure");
    var proxied =
        harness.execute(
            harness
                .request("/auth/login")
                .header("X-Forwarded-Proto", "https")
                .post(
                    RequestBody.create(
                        "{\"username\":\"demo\",\"password\":\"demo-password\"}", Harness.JSON))
                .build());
    assertThat(proxied.header("Set-Cookie")).endsWith("; Max-Age=1296000; Secure");
  }

  @Test
  void secureCookieTrueIsAlwaysSecure() {
    restart(b -> b.secureCookie(SecureCookie.TRUE));
    assertThat(harness.loginAnswer("demo", "demo-password").header("Set-Cookie"))
        .endsWith("; Secure");
  }

  // --- logout ---

  @Test
  void logoutRevokesTheSessionAtOnceAndClearsTheCookie() {
    var pair = harness.login();
    var logout = post("/auth/logout", "rt=" + pair.refreshToken());
    assertThat(logout.code()).isEqualTo(204);
    assertThat(logout.header("Set-Cookie")).isEqualTo(CLEARED);
    assertThat(harness.getWithBearer("/api/me", pair.accessToken()).code()).isEqualTo(401);
    assertThat(harness.refresh(pair.refreshToken()).code()).isEqualTo(401);
  }

  @Test
  void logoutWithTheAccessTokenAloneRevokesToo() {
    var pair = harness.login();
    var logout =
        harness.execute(
            harness
                .request("/auth/logout")
                .header("Authorization", "Bearer " + pair.accessToken())
                .post(RequestBody.create(new byte[0]))
                .build());
    assertThat(logout.code()).isEqualTo(204);
    assertThat(harness.getWithBearer("/api/me", pair.accessToken()).code()).isEqualTo(401);
  }

  @Test
  void logoutWithoutCredentialsIsStill204() {
    var logout = post("/auth/logout", null);
    assertThat(logout.code()).isEqualTo(204);
    assertThat(logout.header("Set-Cookie")).isEqualTo(CLEARED);
  }

  @Test
  void logoutLeavesOtherSessionsAlone() {
    var mine = harness.login();
    var other = harness.login();
    post("/auth/logout", "rt=" + mine.refreshToken());
    assertThat(harness.getWithBearer("/api/me", other.accessToken()).code()).isEqualTo(200);
  }
}
