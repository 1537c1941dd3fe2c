package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class CaptchaServiceTest {
  private final TestClock clock = new TestClock();
  private final CaptchaService captchas = new CaptchaService(clock);

  @Test
  void imageIsARealPngDataUrl() throws Exception {
    var challenge = captchas.create("203.0.113.1");
    assertThat(challenge.imageDataUrl()).startsWith("data:image/png;base64,");
    var png =
        Base64.getDecoder()
            .decode(challenge.imageDataUrl().substring("data:image/png;base64,".length()));
    var image = ImageIO.read(new ByteArrayInputStream(png));
    assertThat(image.getWidth()).isEqualTo(CaptchaService.WIDTH);
    assertThat(image.getHeight()).isEqualTo(CaptchaService.HEIGHT);
    assertThat(challenge.answer()).matches("[0-9]{5}");
  }

  @Test
  void rightAnswerPassesOnce() throws Exception {
    var challenge = captchas.create("203.0.113.1");
    assertThat(captchas.verify(challenge.id(), challenge.answer())).isTrue();
    assertThat(captchas.verify(challenge.id(), challenge.answer())).isFalse();
  }

  @Test
  void wrongAnswerConsumesTheCaptcha() throws Exception {
    var challenge = captchas.create("203.0.113.1");
    assertThat(captchas.verify(challenge.id(), "wrong")).isFalse();
    assertThat(captchas.verify(challenge.id(), challenge.answer())).isFalse();
  }

  @Test
  void captchaExpiresAfterTwoMinutes() throws Exception {
    var kept = captchas.create("203.0.113.1");
    var late = captchas.create("203.0.113.1");
    clock.advance(Duration.ofMinutes(2).minusSeconds(1));
    assertThat(captchas.verify(kept.id(), kept.answer())).isTrue();
    clock.advance(Duration.ofSeconds(1));
    assertThat(captchas.verify(late.id(), late.answer())).isFalse();
  }

  @Test
  void unknownOrMissingIdFails() throws Exception {
    assertThat(captchas.verify("nope", "12345")).isFalse();
    assertThat(captchas.verify(null, "12345")).isFalse();
    assertThat(captchas.verify(captchas.create("203.0.113.1").id(), null)).isFalse();
  }

  @Test
  void expiredCaptchasAreDroppedWhenNewOnesArrive() throws Exception {
    captchas.create("203.0.113.1");
    captchas.create("203.0.113.1");
    clock.advance(Duration.ofMinutes(3));
    captchas.create("203.0.113.1");
    assertThat(captchas.pendingCount()).isEqualTo(1);
  }
}
