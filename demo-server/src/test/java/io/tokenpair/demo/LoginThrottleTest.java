package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LoginThrottleTest {
  private final TestClock clock = new TestClock();
  private final LoginThrottle throttle =
      new LoginThrottle(3, 5, 100, Duration.ofMinutes(15), clock);

  @Test
  void accountIsBlockedAfterItsLimitUntilTheWindowEnds() {
    for (int i = 0; i < 3; i++)
      assertThat(throttle.reserve("10.0.0." + i, "demo").allowed()).isTrue();
    clock.advance(Duration.ofMinutes(5));
    var refused = throttle.reserve("10.0.0.9", "demo");
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofMinutes(10));
    clock.advance(Duration.ofMinutes(10));
    assertThat(throttle.reserve("10.0.0.9", "demo").retryAfter()).isZero();
  }

  @Test
  void attemptsInFlightCountAgainstTheLimit() {
    for (int i = 0; i < 3; i++) throttle.reserve("10.0.0." + i, "demo"); // none settled yet
    assertThat(throttle.reserve("10.0.0.9", "demo").allowed()).isFalse();
  }

  @Test
  void accountNamesAreCountedCaseInsensitively() {
    for (int i = 0; i < 3; i++) throttle.reserve("10.0.0." + i, i % 2 == 0 ? "Demo" : "demo");
    assertThat(throttle.reserve("10.0.0.9", "DEMO").retryAfter()).isPositive();
  }

  @Test
  void ipIsBlockedAcrossAccounts() {
    for (int i = 0; i < 5; i++) throttle.reserve("10.0.0.1", "user" + i);
    assertThat(throttle.reserve("10.0.0.1", "someone-new").retryAfter())
        .isEqualTo(Duration.ofMinutes(15));
    assertThat(throttle.reserve("10.0.0.2", "someone-new").allowed()).isTrue();
  }

  @Test
  void aRefusedAttemptIsNotCounted() {
    for (int i = 0; i < 3; i++) throttle.reserve("10.0.0.1", "demo");
    for (int i = 0; i < 10; i++)
      assertThat(throttle.reserve("10.0.0.1", "demo").allowed()).isFalse();
    assertThat(throttle.reserve("10.0.0.1", "other").allowed()).as("4 of 5 for the IP").isTrue();
    assertThat(throttle.reserve("10.0.0.1", "other").allowed()).isTrue();
    assertThat(throttle.reserve("10.0.0.1", "other").allowed()).isFalse();
  }

  @Test
  void successClearsTheAccountAndGivesBackItsIpSlot() {
    throttle.reserve("10.0.0.1", "demo");
    throttle.reserve("10.0.0.1", "demo");
    throttle.reserve("10.0.0.1", "demo").succeeded();
    throttle.reserve("10.0.0.1", "demo");
    assertThat(throttle.reserve("10.0.0.2", "demo").allowed()).as("account at 2 of 3").isTrue();
    assertThat(throttle.reserve("10.0.0.1", "other").allowed()).as("IP at 4 of 5").isTrue();
    assertThat(throttle.reserve("10.0.0.1", "other").allowed()).as("IP at 5 of 5").isTrue();
    assertThat(throttle.reserve("10.0.0.1", "other").allowed()).isFalse();
  }

  @Test
  void wrongCaptchasSpendTheirOwnBudgetNeverThePasswordBudgets() {
    var captchas = new LoginThrottle(3, 5, 7, Duration.ofMinutes(15), clock);
    for (int i = 0; i < 7; i++) captchas.reserve("10.0.0.1", "demo", true).captchaFailed();
    assertThat(captchas.reserve("10.0.0.1", "demo", true).retryAfter())
        .as("the IP's captcha budget")
        .isEqualTo(Duration.ofMinutes(15));
    assertThat(captchas.reserve("10.0.0.1", "demo", false).allowed())
        .as("the IP's and the account's password budgets")
        .isTrue();
    for (int i = 0; i < 2; i++) {
      assertThat(captchas.reserve("10.0.0.2", "demo", true).allowed()).as("the account").isTrue();
    }
  }

  @Test
  void aRightCaptchaGivesItsSlotBack() {
    var captchas = new LoginThrottle(3, 5, 2, Duration.ofMinutes(15), clock);
    for (int i = 0; i < 5; i++) {
      var attempt = captchas.reserve("10.0.0.1", "user" + i, true);
      assertThat(attempt.allowed()).as("attempt " + i).isTrue();
      attempt.captchaPassed(); // then a wrong password: the password slots stay counted
    }
    assertThat(captchas.reserve("10.0.0.1", "other", true).allowed()).as("IP at 5 of 5").isFalse();
  }

  @Test
  void anAttemptIsSettledOnce() {
    var attempt = throttle.reserve("10.0.0.1", "demo");
    for (int i = 0; i < 4; i++) throttle.reserve("10.0.0.1", "user" + i);
    attempt.succeeded();
    attempt.succeeded();
    attempt.captchaFailed();
    assertThat(throttle.reserve("10.0.0.1", "user8").allowed()).as("IP at 5 of 5").isTrue();
    assertThat(throttle.reserve("10.0.0.1", "user9").allowed()).isFalse();
  }

  @Test
  void aSuccessAfterTheWindowMovedOnGivesBackNothingOfTheNewWindow() {
    var old = throttle.reserve("10.0.0.1", "u0");
    clock.advance(Duration.ofMinutes(15));
    for (int i = 1; i <= 5; i++) throttle.reserve("10.0.0.1", "u" + i);
    old.succeeded();
    assertThat(throttle.reserve("10.0.0.1", "u9").allowed()).isFalse();
  }

  @Test
  @Timeout(30)
  void concurrentReservationsForOneAccountAllowExactlyTheLimit() throws Exception {
    int n = 64;
    var barrier = new CyclicBarrier(n);
    var pool = Executors.newFixedThreadPool(n);
    try {
      var futures = new ArrayList<Future<Boolean>>();
      for (int i = 0; i < n; i++) {
        var ip = "10.0.1." + i;
        futures.add(
            pool.submit(
                () -> {
                  barrier.await();
                  return throttle.reserve(ip, "demo").allowed();
                }));
      }
      int allowed = 0;
      for (var f : futures) if (f.get(20, TimeUnit.SECONDS)) allowed++;
      assertThat(allowed).isEqualTo(3);
    } finally {
      pool.shutdownNow();
    }
  }
}
