package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
  private final TestClock clock = new TestClock();
  private final LoginThrottle throttle = new LoginThrottle(3, 5, Duration.ofMinutes(15), clock);

  @Test
  void accountIsBlockedAfterItsLimitUntilTheWindowEnds() {
    for (int i = 0; i < 3; i++) throttle.recordFailure("10.0.0." + i, "demo");
    clock.advance(Duration.ofMinutes(5));
    assertThat(throttle.check("10.0.0.9", "demo")).isEqualTo(Duration.ofMinutes(10));
    clock.advance(Duration.ofMinutes(10));
    assertThat(throttle.check("10.0.0.9", "demo")).isZero();
  }

  @Test
  void accountNamesAreCountedCaseInsensitively() {
    for (int i = 0; i < 3; i++) throttle.recordFailure("10.0.0." + i, i % 2 == 0 ? "Demo" : "demo");
    assertThat(throttle.check("10.0.0.9", "DEMO")).isPositive();
  }

  @Test
  void ipIsBlockedAcrossAccounts() {
    for (int i = 0; i < 5; i++) throttle.recordFailure("10.0.0.1", "user" + i);
    assertThat(throttle.check("10.0.0.1", "someone-new")).isEqualTo(Duration.ofMinutes(15));
    assertThat(throttle.check("10.0.0.2", "someone-new")).isZero();
  }

  @Test
  void successClearsTheAccountButNotTheIp() {
    for (int i = 0; i < 2; i++) throttle.recordFailure("10.0.0.1", "demo");
    throttle.recordSuccess("demo");
    throttle.recordFailure("10.0.0.1", "demo");
    assertThat(throttle.check("10.0.0.2", "demo")).isZero();
    throttle.recordFailure("10.0.0.1", "other");
    throttle.recordFailure("10.0.0.1", "other");
    assertThat(throttle.check("10.0.0.1", "demo")).isPositive();
  }

  @Test
  void belowTheLimitNobodyWaits() {
    throttle.recordFailure("10.0.0.1", "demo");
    throttle.recordFailure("10.0.0.1", "demo");
    assertThat(throttle.check("10.0.0.1", "demo")).isZero();
  }
}
