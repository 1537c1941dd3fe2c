package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.demo.DemoConfig.CaptchaMode;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code GET /auth/captcha}: its rate limit per client address, and a flood's reach. */
@Timeout(120)
class CaptchaEndpointTest {
  /** Behind a trusted proxy on loopback, {@code X-Forwarded-For} names each test client. */
  private final Harness harness =
      new Harness(b -> b.captcha(CaptchaMode.REVEAL).trustedProxy("127.0.0.0/8"));

  @AfterEach
  void stop() {
    harness.close();
  }

  private Harness.Answer captcha(String client) {
    return harness.execute(
        harness.request("/auth/captcha").header("X-Forwarded-For", client).build());
  }

  private int login(String client, Harness.Answer captcha) {
    var data = captcha.json().get("data");
    var body =
        "{\"username\":\"demo\",\"password\":\"demo-password\",\"captcha_id\":\""
            + data.get("captcha_id").asText()
            + "\",\"captcha\":\""
            + data.get("answer").asText()
            + "\"}";
    return harness
        .execute(
            harness
                .request("/auth/login")
                .header("X-Forwarded-For", client)
                .post(okhttp3.RequestBody.create(body, Harness.JSON))
                .build())
        .code();
  }

  @Test
  void captchasAreRateLimitedPerClientAddress() {
    for (int i = 1; i <= CaptchaService.MAX_PER_WINDOW; i++) {
      assertThat(captcha("203.0.113.1").code()).as("captcha %s", i).isEqualTo(200);
    }
    var limited = captcha("203.0.113.1");
    assertThat(limited.code()).isEqualTo(429);
    assertThat(limited.json().get("error").asText()).isEqualTo("too_many_attempts");
    assertThat(limited.json().get("message").asText())
        .isEqualTo("Too many captchas requested. Try again later.");
    assertThat(limited.header("Retry-After")).isEqualTo("60");
    assertThat(captcha("203.0.113.2").code()).as("another client").isEqualTo(200);

    harness.clock.advance(Duration.ofSeconds(30));
    assertThat(captcha("203.0.113.1").header("Retry-After")).isEqualTo("30");
    harness.clock.advance(Duration.ofSeconds(30));
    assertThat(captcha("203.0.113.1").code()).as("the next window").isEqualTo(200);
  }

  @Test
  void floodFromOneClientEvictsNoCaptchaOfAnother() {
    var kept = captcha("203.0.113.2");
    for (int i = 0; i <= CaptchaService.MAX_PENDING; i++) captcha("203.0.113.1");
    assertThat(login("203.0.113.2", kept)).isEqualTo(200);
  }

  @Test
  void clientKeepsItsNewestCaptchasPendingAndLosesItsOldest() {
    var first = captcha("203.0.113.1");
    Harness.Answer last = null;
    for (int i = 0; i < CaptchaService.MAX_PENDING_PER_ADDRESS; i++) last = captcha("203.0.113.1");
    assertThat(login("203.0.113.1", first)).isEqualTo(400);
    assertThat(login("203.0.113.1", last)).isEqualTo(200);
  }
}
