package io.tokenpair.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The cost of a session's age: {@code GET /api/me} with the access token of a session whose refresh
 * token has been rotated 2,000 times, against a fresh session's, on the demo server's in-memory and
 * SQLite stores. A session's per-request cost must not grow with its rotations (goal: aged/fresh ≥
 * 0.9).
 *
 * <p>The server runs as a child process ({@link ServerProcess}) with its defaults (15 min access
 * tokens, captcha off). Two sessions sign in; one is rotated 2,000 times over HTTP. Then one thread
 * alternates blocks of 200 calls between the two bearers (fresh first in even rounds, aged first in
 * odd ones), so that drift on a shared machine lands on both sides. Reported: the pooled ratio (the
 * fresh blocks' total time over the aged blocks'), with a 95% bootstrap interval over rounds.
 */
final class AgedSession {
  private static final int ROTATIONS = 2_000;
  private static final int BLOCK = 200;

  private AgedSession() {}

  public static void main(String[] args) throws Exception {
    boolean quick = Bench.quick(args);
    Path dir = Files.createTempDirectory("tokenpair-aged");
    try {
      measure("memory", "memory", dir, quick);
      measure("SQLite", "sqlite:" + dir.resolve("aged.db"), dir, quick);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : (Iterable<Path>) files::iterator) Files.deleteIfExists(p);
      }
      Files.deleteIfExists(dir);
    }
    System.exit(0); // OkHttp's idle threads would keep the JVM up for a minute.
  }

  private static void measure(String name, String store, Path dir, boolean quick) throws Exception {
    List<String[]> env = ServerProcess.randomSecrets();
    OkHttpClient http = new OkHttpClient.Builder().callTimeout(30, TimeUnit.SECONDS).build();
    try (ServerProcess server =
        new ServerProcess(
            List.of("--store", store, "--captcha", "off"), env, dir.resolve(name + ".log"))) {
      String base = "http://127.0.0.1:" + server.start();
      String freshToken = DemoServerLoad.login(http, base)[0];
      String[] aged = DemoServerLoad.login(http, base);
      long rotateStart = System.nanoTime();
      for (int i = 0; i < ROTATIONS; i++) aged = DemoServerLoad.refresh(http, base, aged[1]);
      double rotateSeconds = (System.nanoTime() - rotateStart) / 1e9;
      Request fresh = me(base, freshToken);
      Request old = me(base, aged[0]);

      int warmup = quick ? 5 : 20;
      int rounds = quick ? 10 : 40;
      double[] perRound = new double[rounds]; // log(aged throughput / fresh throughput)
      double freshSeconds = 0;
      double agedSeconds = 0;
      for (int r = 0; r < warmup + rounds; r++) {
        long[] f;
        long[] a;
        if (r % 2 == 0) {
          f = block(http, fresh);
          a = block(http, old);
        } else {
          a = block(http, old);
          f = block(http, fresh);
        }
        if (r < warmup) continue;
        perRound[r - warmup] = Math.log(trimmedMean(f) / trimmedMean(a));
        freshSeconds += Arrays.stream(f).sum() / 1e9;
        agedSeconds += Arrays.stream(a).sum() / 1e9;
      }
      double[] ci = Bench.bootstrapMeanCi(perRound); // Of the logs: a geometric mean.
      double calls = (double) rounds * BLOCK;
      Bench.row(
          "aged session",
          Bench.fmt("GET /api/me, %s store, rotated %,d times vs fresh", name, ROTATIONS),
          Bench.fmt(
              "aged/fresh = %.3f (95%% CI %.3f–%.3f); goal ≥ 0.9",
              Math.exp(Bench.mean(perRound)), Math.exp(ci[0]), Math.exp(ci[1])),
          Bench.fmt(
              "aged %,.0f vs fresh %,.0f req/s (untrimmed ratio %.3f); 1 thread, %d alternating"
                  + " rounds of 2×%d calls, slowest 5%% of each block dropped; %,d rotations took"
                  + " %.1f s",
              calls / agedSeconds,
              calls / freshSeconds,
              freshSeconds / agedSeconds,
              rounds,
              BLOCK,
              ROTATIONS,
              rotateSeconds));
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  /**
   * The mean of {@code nanos} without its slowest 5%: preemptions by other tenants of a shared
   * machine land on single calls, on either side at random, and would dominate an untrimmed mean.
   */
  private static double trimmedMean(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int keep = sorted.length - sorted.length / 20;
    double sum = 0;
    for (int i = 0; i < keep; i++) sum += sorted[i];
    return sum / keep;
  }

  private static Request me(String base, String token) {
    return new Request.Builder()
        .url(base + "/api/me")
        .header("Authorization", "Bearer " + token)
        .build();
  }

  /**
   * Makes {@link #BLOCK} calls one after the other; returns each one's wall time in nanoseconds.
   */
  private static long[] block(OkHttpClient http, Request request) throws IOException {
    long[] nanos = new long[BLOCK];
    for (int i = 0; i < BLOCK; i++) {
      long start = System.nanoTime();
      try (Response response = http.newCall(request).execute()) {
        response.body().string();
        if (response.code() != 200) throw new IOException("/api/me answered " + response.code());
      }
      nanos[i] = System.nanoTime() - start;
    }
    return nanos;
  }
}
