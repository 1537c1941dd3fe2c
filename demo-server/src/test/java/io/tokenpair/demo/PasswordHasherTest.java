package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {
  private final PasswordHasher hasher = new PasswordHasher(1_000);

  @Test
  void defaultIterationCountIsOwasps600000() {
    assertThat(DemoConfig.builder().build().passwordIterations()).isEqualTo(600_000);
  }

  @Test
  void hashUsesA16ByteSaltAndA32ByteResult() {
    var hash = hasher.hash("secret");
    assertThat(hash.salt()).hasSize(16);
    assertThat(hash.hash()).hasSize(32);
    assertThat(hash.iterations()).isEqualTo(1_000);
  }

  @Test
  void samePasswordGetsADifferentSaltEachTime() {
    assertThat(hasher.hash("secret").salt()).isNotEqualTo(hasher.hash("secret").salt());
  }

  @Test
  void verifyAcceptsTheRightPasswordOnly() {
    var hash = hasher.hash("secret");
    assertThat(hasher.verify("secret", hash)).isTrue();
    assertThat(hasher.verify("Secret", hash)).isFalse();
    assertThat(hasher.verify("", hash)).isFalse();
  }

  @Test
  void hashNeverPrintsItsBytes() {
    assertThat(hasher.hash("secret").toString())
        .isEqualTo("Hash[PBKDF2WithHmacSHA256, iterations=1000]");
  }

  @Test
  void unknownUserAndWrongPasswordGetTheSameAnswer() {
    var users = new UserDirectory(Map.of("demo", "demo-password"), hasher);
    assertThat(users.authenticate("demo", "wrong")).isEmpty();
    assertThat(users.authenticate("nobody", "wrong")).isEmpty();
    assertThat(users.authenticate("demo", "demo-password"))
        .get()
        .extracting(u -> u.username())
        .isEqualTo("demo");
  }

  @Test
  void unknownUserCostsOneFullDerivationLikeAWrongPassword() {
    var users = new UserDirectory(Map.of("demo", "demo-password"), hasher);
    users.authenticate("demo", "demo-password"); // the first call waits for the users' hashes
    var before = hasher.derivations();
    users.authenticate("demo", "wrong");
    var afterWrong = hasher.derivations();
    users.authenticate("nobody", "wrong");
    assertThat(afterWrong - before).isEqualTo(1);
    assertThat(hasher.derivations() - afterWrong).isEqualTo(1);
  }

  @Test
  void dummyHashForUnknownUsersUsesTheConfiguredIterations() {
    var slow = new PasswordHasher(2_000);
    var users = new UserDirectory(Map.of("demo", "demo-password"), slow);
    assertThat(users.dummyIterations()).isEqualTo(2_000);
  }
}
