package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.demo.DemoConfig.CaptchaMode;
import io.tokenpair.demo.DemoConfig.SecureCookie;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(
        args,
        Map.of(),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void badFlagExitsWith2AndExplainsOnStderr() {
    assertThat(run("--captcha", "maybe")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "demo-server: Flag --captcha must be one of on|reveal|off, got 'maybe'.\n"
                + "Run with --help to list the flags.\n");
    assertThat(out.size()).isZero();
  }

  @Test
  void helpExitsWith0AndPrintsUsage() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Usage: java -jar demo-server.jar");
  }

  @Test
  void bannerSaysWhichStoreHoldsTheSessionsAndMasksItsPassword() {
    var memory = Main.banner(DemoConfig.builder().build(), "http://x");
    assertThat(memory)
        .contains("sessions: in memory, lost on restart (--store sqlite:PATH keeps them)");
    var sqlite =
        DemoConfig.builder().store(StoreSpec.sqlite(java.nio.file.Path.of("s.db"))).build();
    assertThat(Main.banner(sqlite, "http://x"))
        .contains("sessions: sqlite:s.db (durable, this machine)");
    var pg =
        DemoConfig.builder()
            .store(StoreSpec.postgresql("jdbc:postgresql://db/tp?user=tp&password=s3cret"))
            .build();
    assertThat(Main.banner(pg, "http://x"))
        .contains(
            "sessions: jdbc:postgresql://db/tp?user=tp&password=██ (durable, shared by instances)");
  }

  @Test
  void storeThatCannotBeOpenedExitsWith1AndSaysWhich(@TempDir Path dir) {
    var url = "jdbc:postgresql://127.0.0.1:1/tokenpair?user=tp&password=s3cret";
    assertThat(run("--port", "0", "--store", url)).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith(
            "demo-server: cannot open the session store"
                + " jdbc:postgresql://127.0.0.1:1/tokenpair?user=tp&password=██:"
                + " org.postgresql.util.PSQLException (SQLState 08001)")
        .doesNotContain("s3cret");
    err.reset();
    assertThat(run("--port", "0", "--store", "sqlite:" + dir)).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("demo-server: cannot open the session store sqlite:" + dir + ": ");
    assertThat(out.size()).isZero();
  }

  @Test
  void bannerStartsWithTheUrlThenTheUserAndACurlExample() {
    var lines = Main.banner(DemoConfig.builder().build(), "http://127.0.0.1:8080");
    assertThat(lines.get(0)).isEqualTo("tokenpair demo-server listening on http://127.0.0.1:8080");
    assertThat(lines.get(1)).startsWith("user: demo / demo-password");
    assertThat(lines.get(3))
        .isEqualTo(
            "  curl -s http://127.0.0.1:8080/auth/captcha    # note captcha_id, read the image");
  }

  @Test
  void bannerWarnsAboutEachDemoConvenience() {
    var config =
        DemoConfig.builder().captcha(CaptchaMode.REVEAL).secureCookie(SecureCookie.FALSE).build();
    var warnings =
        Main.banner(config, "http://127.0.0.1:8080").stream()
            .filter(l -> l.startsWith("WARNING:"))
            .toList();
    assertThat(warnings).hasSize(3);
    assertThat(warnings.get(0)).startsWith("WARNING: random JWT secrets");
    assertThat(warnings.get(1)).startsWith("WARNING: --captcha reveal");
    assertThat(warnings.get(2)).startsWith("WARNING: --secure-cookie false");
  }

  @Test
  void bannerWarnsAboutThePasswordGrantAndShowsItsCurl() {
    var off = Main.banner(DemoConfig.builder().build(), "http://x");
    assertThat(String.join("\n", off))
        .doesNotContain("/oauth/token")
        .doesNotContain("password-grant");
    var on = Main.banner(DemoConfig.builder().passwordGrant(true).build(), "http://x");
    assertThat(on)
        .contains(
            "  curl -s -d grant_type=password -d username=demo -d password=demo-password"
                + " -d captcha_id=<captcha_id> -d captcha=<answer> http://x/oauth/token",
            "  curl -s -d grant_type=refresh_token -d refresh_token=<refresh_token>"
                + " http://x/oauth/token",
            "WARNING: --password-grant on: POST /oauth/token takes grant_type=password, which"
                + " OAuth 2.1 drops. For demos only.");
  }

  @Test
  void bannerNeverPrintsAUserSuppliedPassword() {
    var config = DemoConfig.builder().user("alice", "hunter2").build();
    assertThat(String.join("\n", Main.banner(config, "http://x")))
        .contains("alice")
        .doesNotContain("hunter2");
  }
}
