package io.tokenpair.bench;

import io.tokenpair.demo.DemoConfig;
import io.tokenpair.demo.DemoServer;
import io.tokenpair.demo.StoreSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * Whether a session's age costs: {@code GET /api/me} for a session rotated {@value #ROTATIONS}
 * times against a fresh session, on one demo server with an SQLite store, in the same run. The aged
 * session is rotated over HTTP ({@code POST /auth/refresh}, one after another, keeping each rotated
 * cookie). Then wrk loads {@code /api/me} with the fresh session's access token and with the aged
 * one's, alternating in rounds, at {@value #CONNECTIONS} connections; the result is the ratio of
 * the two mean throughputs (goal: at least 0.9). Any non-2xx answer fails the run.
 */
final class AgedSessionLoad {
  static final int ROTATIONS = 2_000;
  private static final int CONNECTIONS = 4;

  private AgedSessionLoad() {}

  public static void main(String[] args) throws Exception {
    boolean quick = Bench.quick(args);
    String wrk = DemoServerLoad.findWrk();
    if (wrk == null) {
      System.out.println("wrk not found: skipping (apt-get install -y wrk)");
      Bench.row(
          "demo-server aged session",
          "all",
          "skipped: wrk not installed",
          "apt-get install -y wrk");
      return;
    }
    int rounds = quick ? 3 : 5;
    int seconds = quick ? 1 : 2;
    Path dir = Files.createTempDirectory("tokenpair-aged");
    Path report = DemoServerLoad.extract(dir, "report.lua");
    Path me = DemoServerLoad.extract(dir, "me.lua");
    DemoConfig config =
        DemoConfig.builder()
            .port(0)
            .captcha(DemoConfig.CaptchaMode.OFF)
            .passwordIterations(1_000)
            .store(StoreSpec.sqlite(dir.resolve("sessions.db")))
            .build();
    OkHttpClient http =
        new OkHttpClient.Builder()
            .callTimeout(Calls.BURST_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .build();
    try (DemoServer server = new DemoServer(config).start()) {
      String base = server.baseUrl();
      String fresh = DemoServerLoad.login(http, base)[0];
      String[] aged = DemoServerLoad.login(http, base);
      long start = System.nanoTime();
      for (int i = 0; i < ROTATIONS; i++) aged = refresh(http, base, aged[1]);
      double agingSeconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("rotated one session %,d times in %.1f s%n", ROTATIONS, agingSeconds);

      String url = base + "/api/me";
      DemoServerLoad.runWrk(wrk, url, me, report, CONNECTIONS, CONNECTIONS, 2, bearer(fresh));
      DemoServerLoad.runWrk(wrk, url, me, report, CONNECTIONS, CONNECTIONS, 2, bearer(aged[0]));
      double[] freshRps = new double[rounds];
      double[] agedRps = new double[rounds];
      double[] ratios = new double[rounds];
      long statusErrors = 0;
      for (int r = 0; r < rounds; r++) {
        var f =
            DemoServerLoad.runWrk(
                wrk, url, me, report, CONNECTIONS, CONNECTIONS, seconds, bearer(fresh));
        var a =
            DemoServerLoad.runWrk(
                wrk, url, me, report, CONNECTIONS, CONNECTIONS, seconds, bearer(aged[0]));
        freshRps[r] = f.rps();
        agedRps[r] = a.rps();
        ratios[r] = a.rps() / f.rps();
        statusErrors += f.statusErrors() + a.statusErrors();
      }
      if (statusErrors != 0) throw new IllegalStateException(statusErrors + " non-2xx answers");
      double f = Bench.mean(freshRps);
      double a = Bench.mean(agedRps);
      Bench.row(
          "demo-server aged session",
          Bench.fmt(
              "GET /api/me, session rotated %,d times vs fresh, SQLite, %d connections",
              ROTATIONS, CONNECTIONS),
          Bench.fmt("aged/fresh = %.2f (goal >= 0.9)", Bench.median(ratios)),
          Bench.fmt(
              "median of %d per-round ratios (range %.2f–%.2f); mean aged %,.0f req/s, fresh"
                  + " %,.0f req/s; wrk -t %d -c %d, rounds of %d s per side alternating; the %,d"
                  + " rotations took %.1f s",
              rounds,
              Bench.min(ratios),
              Bench.max(ratios),
              a,
              f,
              CONNECTIONS,
              CONNECTIONS,
              seconds,
              ROTATIONS,
              agingSeconds));
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("TOKENPAIR_BEARER", token);
  }

  /** Rotates {@code rt}; returns {access token, rotated rt cookie}. */
  private static String[] refresh(OkHttpClient http, String base, String rt) throws Exception {
    return DemoServerLoad.pair(
        http,
        new Request.Builder()
            .url(base + "/auth/refresh")
            .header("Cookie", "rt=" + rt)
            .post(RequestBody.create(new byte[0]))
            .build());
  }
}
