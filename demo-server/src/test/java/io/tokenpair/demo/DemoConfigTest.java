package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The rules live in {@link DemoConfig.Builder#build()}: code gets the answers flags get. */
class DemoConfigTest {
  private static final byte[] A32 = "a".repeat(32).getBytes(StandardCharsets.UTF_8);

  private static void assertRefused(
      UnaryOperator<DemoConfig.Builder> setting, String[] flags, String message) {
    assertThatThrownBy(() -> setting.apply(DemoConfig.builder()).build())
        .isInstanceOf(ConfigException.class)
        .hasMessage(message);
    assertThatThrownBy(() -> ConfigParser.parse(flags, Map.of()).build())
        .isInstanceOf(ConfigException.class)
        .hasMessage(message);
  }

  @Test
  void corsOriginWithAPathIsRefusedFromCodeAsFromTheFlag() {
    assertRefused(
        b -> b.corsOrigin("http://localhost:5173/app"),
        new String[] {"--cors-origin", "http://localhost:5173/app"},
        "Flag --cors-origin needs an origin like http://localhost:5173 (scheme://host[:port], no"
            + " path), got 'http://localhost:5173/app'.");
  }

  @Test
  void blankHostIsRefusedFromCodeAsFromTheFlag() {
    assertRefused(
        b -> b.host(" "), new String[] {"--host", " "}, "Flag --host needs a non-empty value.");
  }

  @Test
  void userWithoutPasswordIsRefusedFromCodeAsFromTheFlag() {
    assertRefused(
        b -> b.user("alice", ""),
        new String[] {"--user", "alice:"},
        "Flag --user must look like name:password.");
  }

  @Test
  void zeroAccessTtlIsRefusedFromCodeAsFromTheFlag() {
    assertRefused(
        b -> b.accessTtl(Duration.ZERO),
        new String[] {"--access-ttl", "0s"},
        "Flag --access-ttl must be longer than zero.");
  }

  @Test
  void portOutOfRangeIsRefusedFromCodeAsFromTheFlag() {
    assertRefused(
        b -> b.port(70_000),
        new String[] {"--port", "70000"},
        "Flag --port needs a number from 0 to 65535, got '70000'.");
  }

  @Test
  void equalSecretsAreRefusedFromCode() {
    assertThatThrownBy(() -> DemoConfig.builder().secrets(A32, A32).build())
        .isInstanceOf(ConfigException.class)
        .hasMessage("JWT_SECRET and JWT_REFRESH_SECRET must be different.");
  }

  @Test
  void settingsThatNoFlagSetsAreCheckedToo() {
    assertThatThrownBy(() -> DemoConfig.builder().passwordIterations(0).build())
        .isInstanceOf(ConfigException.class)
        .hasMessage("passwordIterations must be at least 1, got 0.");
  }

  @Test
  void secretsAreCopiedInAndOut() {
    var secret = "b".repeat(32).getBytes(StandardCharsets.UTF_8);
    var config = DemoConfig.builder().secrets(A32.clone(), secret).build();
    config.refreshSecret()[0] = 'x';
    secret[1] = 'x';
    assertThat(config.refreshSecret()).isEqualTo("b".repeat(32).getBytes(StandardCharsets.UTF_8));
    assertThat(config.secretsGenerated()).isFalse();
  }
}
