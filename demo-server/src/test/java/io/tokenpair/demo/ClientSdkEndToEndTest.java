package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.demo.DemoConfig.CaptchaMode;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import okhttp3.Interceptor;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client SDK against the real demo server, in-process on port 0. The server and the SDK share
 * one {@link TestClock}: tests move it instead of sleeping. Counts come from the server's {@code
 * /metrics} and from a network interceptor that sees every answer, the SDK's refreshes included.
 */
@Timeout(30)
class ClientSdkEndToEndTest {
  private static final Duration TTL = Duration.ofMinutes(1);

  /** Past this, the server rejects an access token issued now: its lifetime plus the leeway. */
  private static final Duration PAST_EXPIRY =
      TTL.plusSeconds(TokenService.LEEWAY_SECONDS).plusSeconds(1);

  private Harness harness;
  private SdkClient app;

  @AfterEach
  void stop() {
    if (app != null) app.close();
    if (harness != null) harness.close();
  }

  private Harness start(Consumer<DemoConfig.Builder> config) {
    harness = new Harness(b -> config.accept(b.accessTtl(TTL)));
    return harness;
  }

  private Harness start() {
    return start(b -> {});
  }

  private void expire() {
    harness.clock.advance(PAST_EXPIRY);
  }

  @Test
  void captchaAndLoginThroughTokenPairAuthSignIn() throws IOException {
    start(b -> b.captcha(CaptchaMode.REVEAL));
    app = new SdkClient(harness);

    var token = app.login();

    assertThat(token).isEqualTo(app.auth.accessToken()).isNotBlank();
    assertThat(app.rt()).isNotBlank();
    var me = app.get("/api/me");
    assertThat(me.code()).isEqualTo(200);
    assertThat(me.json().at("/data/username").asText()).isEqualTo("demo");
    assertThat(app.metric("tokenpair_login_total{outcome=\"ok\"}")).isEqualTo(1);
    assertThat(app.metric("tokenpair_login_total{outcome=\"invalid_captcha\"}")).isZero();
  }

  @Test
  void protectedCallsCarryTheBearerWithoutRefreshing() throws IOException {
    start();
    app = new SdkClient(harness);
    app.login();

    for (int i = 0; i < 3; i++) {
      assertThat(app.status("/api/me")).isEqualTo(200);
      assertThat(app.status("/api/notes")).isEqualTo(200);
    }

    assertThat(app.wire(200, "/api/me")).isEqualTo(3);
    assertThat(app.wire(200, "/api/notes")).isEqualTo(3);
    assertThat(app.wire(401, "/api/me") + app.wire(401, "/api/notes")).isZero();
    assertThat(app.refreshes("ok")).isZero();
    assertThat(app.refreshed).hasValue(0);
  }

  @Test
  void expiredAccessTokenIsRefreshedOnceAndTheCallReplayed() throws IOException {
    start();
    app = new SdkClient(harness);
    app.login();
    var rt = app.rt();
    expire();

    assertThat(app.status("/api/me")).isEqualTo(200);

    assertThat(app.wire(401, "/api/me")).isEqualTo(1);
    assertThat(app.wire(200, "/auth/refresh")).isEqualTo(1);
    assertThat(app.wire(200, "/api/me")).isEqualTo(1);
    assertThat(app.refreshes("ok")).isEqualTo(1);
    assertThat(app.refreshed).hasValue(1);
    assertThat(app.rt()).isNotEqualTo(rt);
  }

  @Test
  void hundredConcurrentCallsAfterExpiryShareOneRefresh() throws Exception {
    start();
    app = new SdkClient(harness);
    app.login();
    expire();

    var codes = app.parallel("/api/notes", 100);

    assertThat(codes).hasSize(100).containsOnly(200);
    assertThat(app.refreshes("ok")).isEqualTo(1);
    assertThat(app.refreshes("rejected")).isZero();
    assertThat(app.refreshes("reuse_detected")).isZero();
    assertThat(app.wire(200, "/auth/refresh")).isEqualTo(1);
    assertThat(app.refreshed).hasValue(1);
    assertThat(app.sessionExpired).hasValue(0);
  }

  @Test
  void expiredStatus419IsRefreshedAndReplayed() throws IOException {
    start(b -> b.expiredStatus(419));
    app = new SdkClient(harness);
    app.login();
    expire();

    assertThat(app.status("/api/me")).isEqualTo(200);

    assertThat(app.wire(419, "/api/me")).isEqualTo(1);
    assertThat(app.wire(401, "/api/me")).isZero();
    assertThat(app.refreshes("ok")).isEqualTo(1);
  }

  /** Calls every 10 s for 5 minutes: five lifetimes of a 60 s token. */
  private void callEvery10SecondsFor5Minutes() throws IOException {
    for (int second = 0; second <= 300; second += 10) {
      assertThat(app.status("/api/me")).as("at %d s", second).isEqualTo(200);
      harness.clock.advance(Duration.ofSeconds(10));
    }
  }

  @Test
  void refreshAheadMeetsNo401AcrossSeveralTokenLifetimes() throws IOException {
    start();
    app = new SdkClient(harness, b -> b.refreshAhead(30, TimeUnit.SECONDS));
    app.login();

    callEvery10SecondsFor5Minutes();

    // A 60 s token is refreshed once it has 30 s left: at 30, 60, ..., 300 s.
    assertThat(app.wire(401, "/api/me")).isZero();
    assertThat(app.refreshes("ok")).isEqualTo(10);
    assertThat(app.refreshed).hasValue(10);
  }

  @Test
  void withoutRefreshAheadTheSameCallsMeet401s() throws IOException {
    start();
    app = new SdkClient(harness);
    app.login();

    callEvery10SecondsFor5Minutes();

    // Rejected 5 s after expiry (the leeway): at 70, 140, 210 and 280 s.
    assertThat(app.wire(401, "/api/me")).isEqualTo(4);
    assertThat(app.refreshes("ok")).isEqualTo(4);
  }

  /** Lets the first refresh reach the server, then loses its answer. */
  private static Interceptor losingFirstRefreshAnswer() {
    var lost = new AtomicBoolean();
    return chain -> {
      var response = chain.proceed(chain.request());
      if (chain.request().url().encodedPath().equals("/auth/refresh")
          && lost.compareAndSet(false, true)) {
        response.close();
        throw new IOException("the refresh answer was lost");
      }
      return response;
    };
  }

  @Test
  void refreshAnswerLostBeforeItsHeadersIsRetriedWithinTheRotationGrace() throws IOException {
    start(b -> b.rotationGrace(Duration.ofSeconds(30)));
    app =
        new SdkClient(
            harness,
            b -> b.refreshAhead(0, TimeUnit.SECONDS),
            List.of(),
            List.of(losingFirstRefreshAnswer()));
    app.login();
    expire();

    // The server rotated, the client never heard; its one retry presents the old rt again,
    // within the grace, and the call succeeds.
    assertThat(app.status("/api/me")).isEqualTo(200);
    assertThat(app.refreshes("ok")).isEqualTo(1);
    assertThat(app.refreshes("grace")).isEqualTo(1);
    assertThat(app.refreshes("reuse_detected")).isZero();
    assertThat(app.sessionExpired).hasValue(0);
    // The rt the grace answer carried rotates normally at the next expiry.
    expire();
    assertThat(app.status("/api/me")).isEqualTo(200);
    assertThat(app.refreshes("ok")).isEqualTo(2);
  }

  @Test
  void refreshAnswerLostBeforeItsHeadersWithoutGraceCountsAsReuseAndEndsTheSession()
      throws IOException {
    start();
    app =
        new SdkClient(
            harness,
            b -> b.refreshAhead(0, TimeUnit.SECONDS),
            List.of(),
            List.of(losingFirstRefreshAnswer()));
    app.login();
    expire();
    // The one retry presents the spent rt: without a grace that is reuse, as the next refresh
    // would have been anyway.
    assertThat(app.status("/api/me")).isEqualTo(401);
    assertThat(app.status("/api/me")).isEqualTo(401);

    assertThat(app.refreshes("ok")).isEqualTo(1);
    assertThat(app.refreshes("reuse_detected")).isEqualTo(1);
    assertThat(app.sessionExpired).hasValue(1);
    assertThat(app.auth.accessToken()).isNull();
  }

  @Test
  void refreshAnswerLostAfterItsHeadersIsRetriedWithTheRotatedCookie() throws IOException {
    start(); // No grace needed: the cookie had arrived.
    app =
        new SdkClient(
            harness, b -> b.refreshAhead(0, TimeUnit.SECONDS), losingFirstRefreshAnswer());
    app.login();
    expire();

    assertThat(app.status("/api/me")).isEqualTo(200);
    assertThat(app.refreshes("ok")).isEqualTo(2);
    assertThat(app.refreshes("reuse_detected")).isZero();
    assertThat(app.sessionExpired).hasValue(0);
  }

  @Test
  void logoutThroughTheSdkEndsTheSessionWithoutRefreshing() throws IOException {
    start();
    app = new SdkClient(harness);
    app.login();

    app.auth.logout();
    var me = app.get("/api/me");

    assertThat(me.code()).isEqualTo(401);
    assertThat(me.json().path("error").asText()).isEqualTo("missing_token");
    assertThat(app.metric("tokenpair_logout_total")).isEqualTo(1);
    assertThat(app.metric("tokenpair_active_sessions")).isZero();
    assertThat(app.wire(401, "/auth/refresh") + app.wire(200, "/auth/refresh")).isZero();
    assertThat(app.sessionExpired).hasValue(0); // the app ended it itself
  }

  @Test
  void logoutElsewhereEndsTheSessionAtTheNextCallOnce() throws IOException {
    start();
    app = new SdkClient(harness);
    app.login();
    var elsewhere =
        harness.execute(
            harness
                .request("/auth/logout")
                .header("Authorization", "Bearer " + app.auth.accessToken())
                .post(RequestBody.create(new byte[0]))
                .build());
    assertThat(elsewhere.code()).isEqualTo(204);

    assertThat(app.status("/api/me")).isEqualTo(401);
    assertThat(app.status("/api/me")).isEqualTo(401);

    assertThat(app.sessionExpired).hasValue(1);
    assertThat(app.refreshes("rejected")).isEqualTo(1);
    assertThat(app.auth.accessToken()).isNull();
    assertThat(app.rt()).isNull();
  }

  @Test
  void replayedRefreshTokenRevokesTheFamilyAndExpiresTheSessionOnce() throws Exception {
    start();
    app = new SdkClient(harness);
    app.login();
    var stolen = app.rt();
    expire();
    assertThat(app.status("/api/me")).isEqualTo(200); // rotates: stolen is now consumed

    var replay = harness.refresh(stolen);
    assertThat(replay.code()).isEqualTo(401);
    assertThat(replay.json().path("error").asText()).isEqualTo("refresh_token_reused");

    var codes = app.parallel("/api/me", 20);

    assertThat(codes).isEqualTo(Collections.nCopies(20, 401));
    assertThat(app.sessionExpired).hasValue(1);
    assertThat(app.refreshes("reuse_detected")).isEqualTo(1);
    assertThat(app.refreshes("rejected")).isEqualTo(1);
    assertThat(app.auth.accessToken()).isNull();
  }
}
