package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenpair.demo.DemoConfig.CaptchaMode;
import io.tokenpair.demo.DemoConfig.SecureCookie;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigParserTest {
  private static final String A32 = "a".repeat(32);
  private static final String B32 = "b".repeat(32);

  private static DemoConfig parse(Map<String, String> env, String... args) {
    return ConfigParser.parse(args, env).build();
  }

  private static DemoConfig parse(String... args) {
    return parse(Map.of(), args);
  }

  @Test
  void defaultsMatchTheIssue() {
    var config = parse();
    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.accessTtl()).isEqualTo(Duration.ofMinutes(15));
    assertThat(config.refreshTtl()).isEqualTo(Duration.ofDays(15));
    assertThat(config.captcha()).isEqualTo(CaptchaMode.ON);
    assertThat(config.expiredStatus()).isEqualTo(401);
    assertThat(config.rotationGrace()).isEqualTo(Duration.ZERO);
    assertThat(config.users()).containsExactly(Map.entry("demo", "demo-password"));
    assertThat(config.corsOrigins()).isEmpty();
    assertThat(config.secureCookie()).isEqualTo(SecureCookie.AUTO);
    assertThat(config.secretsGenerated()).isTrue();
    assertThat(config.accessSecret()).hasSize(32).isNotEqualTo(config.refreshSecret());
  }

  @Test
  void everyFlagIsParsed() {
    var config =
        parse(
            "--port",
            "0",
            "--host",
            "0.0.0.0",
            "--access-ttl",
            "3s",
            "--refresh-ttl=2h",
            "--captcha",
            "reveal",
            "--expired-status",
            "419",
            "--rotation-grace",
            "500ms",
            "--user",
            "alice:pw:with:colons",
            "--user",
            "bob:secret",
            "--cors-origin",
            "http://localhost:5173",
            "--secure-cookie",
            "true");
    assertThat(config.port()).isZero();
    assertThat(config.host()).isEqualTo("0.0.0.0");
    assertThat(config.accessTtl()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.refreshTtl()).isEqualTo(Duration.ofHours(2));
    assertThat(config.captcha()).isEqualTo(CaptchaMode.REVEAL);
    assertThat(config.expiredStatus()).isEqualTo(419);
    assertThat(config.rotationGrace()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.users())
        .containsExactly(Map.entry("alice", "pw:with:colons"), Map.entry("bob", "secret"));
    assertThat(config.corsOrigins()).containsExactly("http://localhost:5173");
    assertThat(config.secureCookie()).isEqualTo(SecureCookie.TRUE);
  }

  @Test
  void threadCountsAreFlagsOfAtLeastOne() {
    var defaults = parse();
    assertThat(defaults.threads()).isEqualTo(16);
    assertThat(defaults.readThreads()).isEqualTo(64);
    var config = parse("--threads", "4", "--read-threads", "100");
    assertThat(config.threads()).isEqualTo(4);
    assertThat(config.readThreads()).isEqualTo(100);
    assertThatThrownBy(() -> parse("--threads", "0"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --threads needs a number of at least 1, got '0'.");
    assertThatThrownBy(() -> parse("--read-threads", "many"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --read-threads needs a number of at least 1, got 'many'.");
  }

  @Test
  void storeTimeoutIsAPositiveDurationOfTenSecondsByDefault() {
    assertThat(parse().storeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(parse("--store-timeout", "500ms").storeTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThatThrownBy(() -> parse("--store-timeout", "0s"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --store-timeout must be longer than zero.");
  }

  @Test
  void trustedProxiesAreRepeatableCidrBlocks() {
    assertThat(parse().trustedProxies()).isEmpty();
    var config = parse(Map.of("TOKENPAIR_TRUSTED_PROXY", "10.0.0.0/8, ::1"));
    assertThat(config.trustedProxies()).containsExactly("10.0.0.0/8", "::1");
    assertThat(
            parse("--trusted-proxy", "127.0.0.1", "--trusted-proxy", "fd00::/8").trustedProxies())
        .containsExactly("127.0.0.1", "fd00::/8");
    assertThatThrownBy(() -> parse("--trusted-proxy", "10.0.0.0/33"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Flag --trusted-proxy needs a CIDR block like 10.0.0.0/8 or an address, got"
                + " '10.0.0.0/33': the prefix length must be 0 to 32.");
    assertThatThrownBy(() -> parse("--trusted-proxy", "proxy.example.com"))
        .isInstanceOf(ConfigException.class)
        .hasMessageEndingWith("got 'proxy.example.com': not an IP address.");
  }

  @Test
  void durationsAcceptSecondsMinutesAndDays() {
    assertThat(ConfigParser.parseDuration("x", "3s")).isEqualTo(Duration.ofSeconds(3));
    assertThat(ConfigParser.parseDuration("x", "15m")).isEqualTo(Duration.ofMinutes(15));
    assertThat(ConfigParser.parseDuration("x", "15d")).isEqualTo(Duration.ofDays(15));
  }

  @Test
  void environmentVariablesSetFlags() {
    var config =
        parse(
            Map.of(
                "TOKENPAIR_ACCESS_TTL", "30s",
                "TOKENPAIR_CAPTCHA", "off",
                "TOKENPAIR_CORS_ORIGIN", "http://a.test, http://b.test",
                "TOKENPAIR_USER", "carol:pw"));
    assertThat(config.accessTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.captcha()).isEqualTo(CaptchaMode.OFF);
    assertThat(config.corsOrigins()).containsExactly("http://a.test", "http://b.test");
    assertThat(config.users()).containsOnlyKeys("carol");
  }

  @Test
  void flagWinsOverItsEnvironmentVariable() {
    var config = parse(Map.of("TOKENPAIR_PORT", "9000"), "--port", "9001");
    assertThat(config.port()).isEqualTo(9001);
  }

  @Test
  void storeIsMemoryUnlessAFlagOrVariableNamesOne() {
    assertThat(parse().store()).isEqualTo(StoreSpec.MEMORY);
    assertThat(parse("--store", "sqlite:data/sessions.db").store())
        .isEqualTo(new StoreSpec(StoreSpec.Kind.SQLITE, "data/sessions.db"));
    var url = "jdbc:postgresql://db:5432/tokenpair?user=tp&password=s3cret";
    assertThat(parse(Map.of("TOKENPAIR_STORE", url)).store())
        .isEqualTo(new StoreSpec(StoreSpec.Kind.POSTGRESQL, url));
    assertThat(parse(Map.of("TOKENPAIR_STORE", url), "--store=memory").store())
        .isEqualTo(StoreSpec.MEMORY);
  }

  @Test
  void unsupportedStoreIsRefusedWithoutEchoingAPassword() {
    assertThatThrownBy(() -> parse("--store", "jdbc:mysql://db/x?user=u&password=s3cret"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Flag --store must be memory, sqlite:PATH or"
                + " jdbc:postgresql://HOST[:PORT]/DB?user=U&password=P, got"
                + " 'jdbc:mysql://db/x?user=u&password=██'.");
    assertThatThrownBy(() -> parse("--store", "sqlite:"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Flag --store must be memory, sqlite:PATH");
  }

  @Test
  void configToStringMasksTheStorePassword() {
    var config = parse("--store", "jdbc:postgresql://db/tokenpair?password=s3cret&user=tp");
    assertThat(config.toString())
        .contains("store=jdbc:postgresql://db/tokenpair?password=██&user=tp")
        .doesNotContain("s3cret");
  }

  @Test
  void secretsComeFromTheEnvironment() {
    var config = parse(Map.of("JWT_SECRET", A32, "JWT_REFRESH_SECRET", B32));
    assertThat(config.secretsGenerated()).isFalse();
    assertThat(config.accessSecret()).isEqualTo(A32.getBytes(StandardCharsets.UTF_8));
    assertThat(config.refreshSecret()).isEqualTo(B32.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void shortSecretIsRefused() {
    assertThatThrownBy(() -> parse(Map.of("JWT_SECRET", "short", "JWT_REFRESH_SECRET", B32)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("JWT_SECRET must be at least 32 bytes long.");
  }

  @Test
  void equalSecretsAreRefused() {
    assertThatThrownBy(() -> parse(Map.of("JWT_SECRET", A32, "JWT_REFRESH_SECRET", A32)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("JWT_SECRET and JWT_REFRESH_SECRET must be different.");
  }

  @Test
  void oneSecretWithoutTheOtherIsRefused() {
    assertThatThrownBy(() -> parse(Map.of("JWT_SECRET", A32)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Set both JWT_SECRET and JWT_REFRESH_SECRET, or neither (random secrets per start).");
  }

  @Test
  void unknownFlagIsNamedInTheMessage() {
    assertThatThrownBy(() -> parse("--prot", "8080"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Unknown flag --prot. Run with --help to list the flags.");
  }

  @Test
  void badDurationIsExplained() {
    assertThatThrownBy(() -> parse("--access-ttl", "15 minutes"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --access-ttl needs a duration like 3s, 15m or 15d, got '15 minutes'.");
  }

  @Test
  void zeroAccessTtlIsRefused() {
    assertThatThrownBy(() -> parse("--access-ttl", "0s"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --access-ttl must be longer than zero.");
  }

  @Test
  void badEnumValueListsTheChoices() {
    assertThatThrownBy(() -> parse("--captcha", "maybe"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --captcha must be one of on|reveal|off, got 'maybe'.");
  }

  @Test
  void passwordGrantIsOffUnlessAFlagOrVariableSaysOn() {
    assertThat(parse().passwordGrant()).isFalse();
    assertThat(parse("--password-grant", "on").passwordGrant()).isTrue();
    assertThat(parse("--password-grant=off").passwordGrant()).isFalse();
    assertThat(parse(Map.of("TOKENPAIR_PASSWORD_GRANT", "on")).passwordGrant()).isTrue();
    assertThatThrownBy(() -> parse("--password-grant", "yes"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --password-grant must be one of on|off, got 'yes'.");
  }

  @Test
  void expiredStatusOtherThan401Or419IsRefused() {
    assertThatThrownBy(() -> parse("--expired-status", "403"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --expired-status must be 401 or 419, got '403'.");
  }

  @Test
  void portOutOfRangeIsRefused() {
    assertThatThrownBy(() -> parse("--port", "70000"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --port needs a number from 0 to 65535, got '70000'.");
  }

  @Test
  void flagWithoutValueIsRefused() {
    assertThatThrownBy(() -> parse("--port"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --port needs a value.");
  }

  @Test
  void userWithoutPasswordIsRefused() {
    assertThatThrownBy(() -> parse("--user", "alice"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --user must look like name:password.");
  }

  @Test
  void corsOriginWithAPathIsRefused() {
    assertThatThrownBy(() -> parse("--cors-origin", "http://localhost:5173/app"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Flag --cors-origin needs an origin like");
  }

  @Test
  void nonRepeatableFlagGivenTwiceIsRefused() {
    assertThatThrownBy(() -> parse("--port", "1", "--port", "2"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --port is given more than once.");
  }

  @Test
  void helpIsNotAnError() {
    assertThatThrownBy(() -> parse("--help")).isInstanceOf(ConfigParser.HelpRequested.class);
  }

  @Test
  void configToStringHidesSecretsAndPasswords() {
    var config =
        parse(Map.of("JWT_SECRET", A32, "JWT_REFRESH_SECRET", B32), "--user", "alice:hunter2");
    assertThat(config.toString()).contains("alice").doesNotContain("hunter2", A32, B32);
  }
}
