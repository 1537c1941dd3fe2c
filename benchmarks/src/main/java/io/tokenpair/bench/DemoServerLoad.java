package io.tokenpair.bench;

import io.tokenpair.demo.DemoConfig;
import io.tokenpair.demo.DemoServer;
import io.tokenpair.demo.Main;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The demo server under load on loopback, in this JVM, with wrk (a separate C process) as the load
 * generator: {@code GET /api/me} and {@code POST /auth/refresh} at several concurrency levels
 * (closed loop, one request in flight per connection, one wrk thread per connection for both
 * endpoints alike; wrk's own latency histogram gives p50 and p99), and the wall time of one login
 * over HTTP at the default 600,000 PBKDF2 iterations.
 *
 * <p>Each refresh rotates the session's cookie and a stale one counts as reuse, so every wrk
 * connection of the refresh runs has its own session and its own wrk thread ({@code -t C -c C}),
 * whose Lua state keeps the rotated cookie. The server of the load runs hashes passwords with 1,000
 * iterations so that setting up 64 sessions stays quick; iterations do not touch {@code /api/me} or
 * {@code /auth/refresh}. The server runs with its defaults otherwise (16 handler threads).
 */
final class DemoServerLoad {
  private static final Pattern WRK =
      Pattern.compile(
          "WRKRESULT requests=(\\d+) duration_us=(\\d+) status_errors=(\\d+) socket_errors=(\\d+)"
              + " p50_us=(\\d+) p90_us=(\\d+) p99_us=(\\d+) max_us=(\\d+)");
  private static final Pattern TOKEN = Pattern.compile("\"access_token\":\"([^\"]+)\"");
  private static final Pattern RT = Pattern.compile("^rt=([^;]+)");
  private static final MediaType JSON = MediaType.get("application/json");

  private DemoServerLoad() {}

  public static void main(String[] args) throws Exception {
    Main.applySystemProperties();
    boolean quick = Bench.quick(args);
    OkHttpClient http =
        new OkHttpClient.Builder()
            .callTimeout(Calls.BURST_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .build();
    loginCost(http, quick ? 3 : 8);
    load(http, quick);
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  /** Sequential logins over HTTP against a server with the default PBKDF2 iterations. */
  private static void loginCost(OkHttpClient http, int logins) throws IOException {
    DemoConfig config =
        DemoConfig.builder()
            .port(0)
            .captcha(DemoConfig.CaptchaMode.OFF)
            .maxFailuresPerIp(1_000)
            .build();
    try (DemoServer server = new DemoServer(config).start()) {
      String base = server.baseUrl();
      login(http, base); // Warm-up.
      double[] ms = new double[logins];
      for (int i = 0; i < logins; i++) {
        long start = System.nanoTime();
        login(http, base);
        ms[i] = Bench.millis(System.nanoTime() - start);
      }
      System.out.println("login over HTTP (ms): " + java.util.Arrays.toString(ms));
      Bench.row(
          "demo-server login",
          Bench.fmt("%,d PBKDF2 iterations, over HTTP", config.passwordIterations()),
          Bench.fmt("%.0f ms per login (median of %d)", Bench.median(ms), logins),
          Bench.fmt("range %.0f–%.0f ms; sequential, one core busy", Bench.min(ms), Bench.max(ms)));
    }
  }

  private static void load(OkHttpClient http, boolean quick) throws Exception {
    String wrk = findWrk();
    if (wrk == null) {
      System.out.println("wrk not found: skipping the load runs (apt-get install -y wrk)");
      Bench.row("demo-server load", "all", "skipped: wrk not installed", "apt-get install -y wrk");
      return;
    }
    int[] levels = {1, 4, 16, 64};
    int seconds = quick ? 2 : 5;
    Path dir = Files.createTempDirectory("tokenpair-wrk");
    Path report = extract(dir, "report.lua");
    Path meScript = extract(dir, "me.lua");
    Path refreshScript = extract(dir, "refresh.lua");
    DemoConfig config =
        DemoConfig.builder()
            .port(0)
            .captcha(DemoConfig.CaptchaMode.OFF)
            .passwordIterations(1_000)
            .maxFailuresPerIp(1_000)
            .build();
    try (DemoServer server = new DemoServer(config).start()) {
      String base = server.baseUrl();
      String token = login(http, base)[0];

      // Warm-up, untimed: JIT of both paths.
      int warm = quick ? 1 : 3;
      runWrk(
          wrk, base + "/api/me", meScript, report, 2, 16, warm, Map.of("TOKENPAIR_BEARER", token));
      runWrk(
          wrk,
          base + "/auth/refresh",
          refreshScript,
          report,
          16,
          16,
          warm,
          Map.of("TOKENPAIR_RT_FILE", sessions(http, base, dir, 16).toString()));

      for (int c : levels) {
        WrkResult me =
            runWrk(
                wrk,
                base + "/api/me",
                meScript,
                report,
                c,
                c,
                seconds,
                Map.of("TOKENPAIR_BEARER", token));
        row("GET /api/me", c, me, seconds, "wrk -t " + c + " -c " + c);
      }
      for (int c : levels) {
        Path rts = sessions(http, base, dir, c);
        WrkResult refresh =
            runWrk(
                wrk,
                base + "/auth/refresh",
                refreshScript,
                report,
                c,
                c,
                seconds,
                Map.of("TOKENPAIR_RT_FILE", rts.toString()));
        row("POST /auth/refresh", c, refresh, seconds, "wrk -t " + c + " -c " + c);
      }
      String metrics = get(http, base + "/metrics");
      System.out.println(
          "refresh outcomes: "
              + grep(metrics, "tokenpair_refresh_total")
              + "; "
              + grep(metrics, "tokenpair_active_sessions"));
      Bench.row(
          "demo-server load",
          "refresh outcomes (server /metrics)",
          grep(metrics, "tokenpair_refresh_total{outcome=\"reuse_detected\"}")
              + ", "
              + grep(metrics, "tokenpair_refresh_total{outcome=\"rejected\"}"),
          "every refresh of every run, warm-up included; must be 0 and 0");
    }
  }

  private static void row(String endpoint, int c, WrkResult r, int seconds, String command) {
    Bench.row(
        "demo-server load",
        Bench.fmt("%s, %d connection%s", endpoint, c, c == 1 ? "" : "s"),
        Bench.fmt(
            "%,.0f req/s; p50 %.2f ms, p99 %.2f ms", r.rps(), r.p50Us() / 1e3, r.p99Us() / 1e3),
        Bench.fmt(
            "%s -d %ds; %d non-2xx, %d socket errors; max %.1f ms",
            command, seconds, r.statusErrors(), r.socketErrors(), r.maxUs() / 1e3));
  }

  record WrkResult(
      long requests,
      long durationUs,
      long statusErrors,
      long socketErrors,
      long p50Us,
      long p90Us,
      long p99Us,
      long maxUs) {
    double rps() {
      return requests / (durationUs / 1e6);
    }
  }

  /** Runs wrk once and parses its {@code report.lua} line; fails when wrk does. */
  static WrkResult runWrk(
      String wrk,
      String url,
      Path script,
      Path report,
      int threads,
      int connections,
      int seconds,
      Map<String, String> env)
      throws Exception {
    List<String> command =
        List.of(
            wrk,
            "-t",
            String.valueOf(threads),
            "-c",
            String.valueOf(connections),
            "-d",
            seconds + "s",
            "--timeout",
            "5s",
            "-s",
            script.toString(),
            url);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    builder.environment().put("TOKENPAIR_REPORT_LUA", report.toString());
    Process process = builder.start();
    String output;
    try (InputStream in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!process.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("wrk did not stop");
    }
    Matcher m = WRK.matcher(output);
    if (process.exitValue() != 0 || !m.find()) {
      throw new IllegalStateException("wrk failed: " + String.join(" ", command) + "\n" + output);
    }
    WrkResult result =
        new WrkResult(
            Long.parseLong(m.group(1)),
            Long.parseLong(m.group(2)),
            Long.parseLong(m.group(3)),
            Long.parseLong(m.group(4)),
            Long.parseLong(m.group(5)),
            Long.parseLong(m.group(6)),
            Long.parseLong(m.group(7)),
            Long.parseLong(m.group(8)));
    System.out.println(
        Bench.fmt(
            "wrk -t %d -c %d %s: %.0f req/s, p50 %d us, p90 %d us, p99 %d us, max %d us, %d"
                + " non-2xx, %d socket errors",
            threads,
            connections,
            url.substring(url.indexOf('/', 8)),
            result.rps(),
            result.p50Us(),
            result.p90Us(),
            result.p99Us(),
            result.maxUs(),
            result.statusErrors(),
            result.socketErrors()));
    return result;
  }

  /** Signs in {@code n} sessions and writes their rt cookies to a file, one a line. */
  private static Path sessions(OkHttpClient http, String base, Path dir, int n) throws IOException {
    List<String> rts = new ArrayList<>();
    for (int i = 0; i < n; i++) rts.add(login(http, base)[1]);
    Path file = Files.createTempFile(dir, "rt", ".txt");
    Files.write(file, rts, StandardCharsets.UTF_8);
    return file;
  }

  /** Logs in as the default user; returns {access token, rt cookie}. */
  static String[] login(OkHttpClient http, String base) throws IOException {
    Request request =
        new Request.Builder()
            .url(base + "/auth/login")
            .post(
                RequestBody.create(
                    "{\"username\":\""
                        + DemoConfig.DEFAULT_USER
                        + "\",\"password\":\""
                        + DemoConfig.DEFAULT_PASSWORD
                        + "\"}",
                    JSON))
            .build();
    return pair(http, request);
  }

  /**
   * Sends a login or refresh request; returns {access token, rt cookie} of its 200 answer, or
   * fails.
   */
  static String[] pair(OkHttpClient http, Request request) throws IOException {
    try (Response response = http.newCall(request).execute()) {
      String body = response.body().string();
      Matcher token = TOKEN.matcher(body);
      String rt = null;
      for (String cookie : response.headers("Set-Cookie")) {
        Matcher m = RT.matcher(cookie);
        if (m.find()) rt = m.group(1);
      }
      if (response.code() != 200 || !token.find() || rt == null) {
        throw new IOException(request.url().encodedPath() + " failed: HTTP " + response.code());
      }
      return new String[] {token.group(1), rt};
    }
  }

  private static String get(OkHttpClient http, String url) throws IOException {
    try (Response response = http.newCall(new Request.Builder().url(url).build()).execute()) {
      return response.body().string();
    }
  }

  private static String grep(String text, String prefix) {
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\n")) if (line.startsWith(prefix)) lines.add(line.trim());
    return String.join(", ", lines);
  }

  /** Copies the resource {@code name} of this package into {@code dir}. */
  static Path extract(Path dir, String name) throws IOException {
    Path file = dir.resolve(name);
    try (InputStream in = DemoServerLoad.class.getResourceAsStream(name)) {
      if (in == null) throw new IOException("missing resource " + name);
      Files.copy(in, file);
    }
    return file;
  }

  /** The wrk executable on the PATH, or null. */
  static String findWrk() {
    String path = System.getenv("PATH");
    if (path == null) return null;
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, "wrk");
      if (Files.isExecutable(candidate)) return candidate.toString();
    }
    return null;
  }
}
