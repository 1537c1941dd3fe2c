package io.tokenpair.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.client.SdkClocks;
import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.demo.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The walkthrough on a test clock: its waits move the clock of the server and the SDK. */
@Timeout(30)
class WalkthroughTest {
  private final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00.250Z"));
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private final Walkthrough.Time time =
      new Walkthrough.Time() {
        @Override
        public Clock clock() {
          return clock;
        }

        @Override
        public void sleep(Duration duration) {
          clock.advance(duration);
        }
      };

  private int run(Supplier<TokenPairAuth.Builder> sdk) {
    return new Walkthrough(print(out), time, sdk, 1_000).run(print(err));
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyStepBehavesAndTheRunExitsWith0() {
    var code = run(() -> SdkClocks.builder(clock));

    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(code).isZero();
    assertThat(out())
        .startsWith("[  0.0s] demo-server started in-process on http://127.0.0.1:")
        .contains("A: POST /auth/login (TokenPairAuth.login) -> 200: access token for 2.8 s")
        .contains("A: GET /api/me -> 200, silently: 401 token_expired, POST /auth/refresh, replay")
        .contains("on the wire: 1 x 401; refreshes per /metrics: 1; the app saw only the 200")
        .contains("refresh cookie rotated: rt#1 (sha256 ")
        .contains("A: 50 parallel GET /api/notes -> 50 x 200; ")
        .contains("refreshes per /metrics: 1 (single flight)")
        .contains("-> 401 refresh_token_reused: the server revokes the whole family")
        .contains("SessionListener.onSessionExpired() called once")
        .contains("0 x 401 on the wire; 8 refreshes ahead of expiry (per /metrics)")
        .contains("says the session ended")
        .endsWith("] walkthrough complete: every step behaved as expected\n");
    // Waits are on the test clock: the timeline shows them, nothing slept.
    assertThat(out()).contains("waiting 8.1 s until the server rejects the access token");
  }

  @Test
  void neverPrintsATokenOrCookieValue() {
    var code = run(() -> SdkClocks.builder(clock));

    // A run that stopped early would print less: it must have gone through every step.
    assertThat(code).isZero();
    // JWTs start with the base64 of {"; a token or rt value would show it.
    assertThat(out()).doesNotContain("eyJ");
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("eyJ");
  }

  @Test
  void reportsTheFirstStepThatMisbehavesAndExitsWith1() {
    // An SDK that treats only 419 as expired lets the server's 401 reach the app.
    var code = run(() -> SdkClocks.builder(clock).expiredStatusCodes(419));

    assertThat(code).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "walkthrough FAILED at step 'silent refresh': A: expected GET /api/me -> 200, got"
                + " 401.\n");
  }
}
