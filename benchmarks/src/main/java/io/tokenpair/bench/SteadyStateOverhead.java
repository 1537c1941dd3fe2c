package io.tokenpair.bench;

import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Steady-state overhead: requests per second through a client with TokenPairAuth installed (valid
 * JWT, refresh-ahead on, the {@code rt} cookie in its jar) against a bare OkHttpClient that sends
 * the same bearer header itself, to the same MockWebServer, in the same JVM, over the same pooled
 * connections.
 *
 * <p>A careful loop rather than JMH: JMH runs one benchmark after the other, in separate forks, so
 * drift on this shared 2-core machine (other tenants' builds come and go for seconds at a time)
 * lands on one side. Here the two clients alternate, in the same JVM, against the same server:
 *
 * <ul>
 *   <li>One thread, alternating call by call (bare, SDK, SDK, bare, ...): the finest pairing there
 *       is, so drift cancels almost completely. Requests per second is the inverse of the mean wall
 *       time per call; the client thread's CPU time per call is reported too. The confidence
 *       interval resamples blocks of 2,000 calls.
 *   <li>Four threads (the 2 cores saturated by client and server together), alternating in slices
 *       of 50 ms (all threads switch together at a barrier), hundreds of rounds: the pooled
 *       throughput ratio with a 95% bootstrap interval over rounds, and the process's CPU time per
 *       request.
 * </ul>
 *
 * <p>Each request is a real loopback round trip of about a hundred microseconds, far above the
 * timer's resolution, so JMH's nanosecond machinery would add nothing here; {@link
 * CallCpuBenchmark} is the JMH view of the SDK's own cost without a network. {@code
 * -Dbench.aa=true} puts a second bare client in the SDK's place, to check the method (expect 1).
 */
final class SteadyStateOverhead {
  private SteadyStateOverhead() {}

  public static void main(String[] args) throws Exception {
    boolean quick = Bench.quick(args);
    int rounds = Integer.getInteger("bench.rounds", quick ? 60 : 300);
    int warmupRounds = quick ? 20 : 40;
    long sliceMillis = 50;
    int[] threadCounts =
        java.util.Arrays.stream(System.getProperty("bench.threads", "4").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();

    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    try (MockWebServer server = LocalServer.start(new FixedResource(tokens))) {
      HttpUrl base = server.url("/");
      HttpUrl api = base.resolve("api/me");
      TokenPairAuth auth = TokenPairAuth.builder().baseUrl(base).build();
      // One connection pool for both clients: they then use the very same connections (and
      // MockWebServer threads). With a pool each, a persistent difference between two connections'
      // server threads (scheduling, wake-up placement) showed up as a ±10-20% bias in an A/A test.
      okhttp3.ConnectionPool pool = new okhttp3.ConnectionPool(64, 5, TimeUnit.MINUTES);
      OkHttpClient sdk = auth.install(Calls.wideClient(64).connectionPool(pool)).build();
      auth.login(Calls.loginRequest(base));
      OkHttpClient bare = Calls.wideClient(64).connectionPool(pool).build();
      Request sdkRequest = new Request.Builder().url(api).build();
      Request bareRequest =
          new Request.Builder()
              .url(api)
              .header("Authorization", "Bearer " + auth.accessToken())
              .build();
      if (Boolean.getBoolean("bench.aa")) {
        // A/A check of the method: a second bare client in the SDK's place; expect 1.000.
        System.out.println("A/A mode: both sides are bare clients");
        sdk = Calls.wideClient(64).connectionPool(pool).build();
        sdkRequest = bareRequest;
      }

      callByCall(server, bare, bareRequest, sdk, sdkRequest, quick);
      for (int threads : threadCounts) {
        Slices slices =
            new Slices(
                server,
                threads,
                warmupRounds + rounds,
                sliceMillis,
                new OkHttpClient[] {bare, sdk},
                new Request[] {bareRequest, sdkRequest});
        slices.run();
        double[] bareCount = new double[rounds];
        double[] bareNanos = new double[rounds];
        double[] sdkCount = new double[rounds];
        double[] sdkNanos = new double[rounds];
        double[] ratios = new double[rounds];
        double[] cpu = new double[2];
        double[] calls = new double[2];
        for (int r = 0; r < rounds; r++) {
          int round = warmupRounds + r;
          for (int p = 0; p < 2; p++) {
            int slice = 2 * round + p;
            cpu[Slices.clientOf(slice)] += slices.cpuNanos[slice];
            calls[Slices.clientOf(slice)] += slices.counts[slice];
            if (Slices.clientOf(slice) == 0) {
              bareCount[r] = slices.counts[slice];
              bareNanos[r] = slices.nanos[slice];
            } else {
              sdkCount[r] = slices.counts[slice];
              sdkNanos[r] = slices.nanos[slice];
            }
          }
          ratios[r] = (sdkCount[r] / sdkNanos[r]) / (bareCount[r] / bareNanos[r]);
        }
        double bareRps = sum(bareCount) / (sum(bareNanos) / 1e9);
        double sdkRps = sum(sdkCount) / (sum(sdkNanos) / 1e9);
        double pooled = sdkRps / bareRps;
        double[] ci = pooledRatioCi(bareCount, bareNanos, sdkCount, sdkNanos);
        double bareCpuUs = cpu[0] / calls[0] / 1e3;
        double sdkCpuUs = cpu[1] / calls[1] / 1e3;
        System.out.println(
            Bench.fmt(
                "steady state, %d thread(s): process CPU per request (client and server): bare"
                    + " %.1f us, sdk %.1f us",
                threads, bareCpuUs, sdkCpuUs));
        System.out.println(
            Bench.fmt(
                "steady state, %d thread(s): bare %.0f rps, sdk %.0f rps; pooled ratio %.4f, 95%%"
                    + " CI [%.4f, %.4f]; per-round ratio median %.4f, IQR [%.4f, %.4f], range"
                    + " [%.3f, %.3f]",
                threads,
                bareRps,
                sdkRps,
                pooled,
                ci[0],
                ci[1],
                Bench.median(ratios),
                Bench.quantile(ratios, 0.25),
                Bench.quantile(ratios, 0.75),
                Bench.min(ratios),
                Bench.max(ratios)));
        Bench.row(
            "steady-state overhead",
            threads + (threads == 1 ? " thread" : " threads") + " of back-to-back calls",
            Bench.fmt("SDK/bare = %.3f (95%% CI %.3f–%.3f)", pooled, ci[0], ci[1]),
            Bench.fmt(
                "bare %.0f req/s, SDK %.0f req/s; %d alternating rounds of 2×%d ms; per-round"
                    + " median %.3f",
                bareRps, sdkRps, rounds, sliceMillis, Bench.median(ratios)));
      }
    }
  }

  /** One thread, alternating call by call; see the class comment. */
  private static void callByCall(
      MockWebServer server,
      OkHttpClient bare,
      Request bareRequest,
      OkHttpClient sdk,
      Request sdkRequest,
      boolean quick)
      throws IOException {
    int perSide = 1_000; // calls per side in each block
    int warmupBlocks = quick ? 10 : 30;
    int blocks = quick ? 25 : 100;
    java.lang.management.ThreadMXBean cpu =
        java.lang.management.ManagementFactory.getThreadMXBean();
    OkHttpClient[] clients = {bare, sdk};
    Request[] requests = {bareRequest, sdkRequest};
    double[] trimmedRatio = new double[blocks];
    double[] medianRatio = new double[blocks];
    double[][] meanNanos = new double[2][blocks];
    double[][] trimmedNanos = new double[2][blocks];
    double[][] cpuNanos = new double[2][blocks];
    for (int b = -warmupBlocks; b < blocks; b++) {
      long[][] wall = new long[2][perSide];
      long[] thread = new long[2];
      int[] n = new int[2];
      for (int i = 0; i < 2 * perSide; i++) {
        int side = ((i / 2) % 2 == 0) == (i % 2 == 0) ? 0 : 1; // bare, sdk, sdk, bare, ...
        long cpuStart = cpu.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        try (Response response = clients[side].newCall(requests[side]).execute()) {
          response.body().string();
          if (response.code() != 200)
            throw new IOException("HTTP " + response.code() + " in the steady state");
        }
        wall[side][n[side]++] = System.nanoTime() - start;
        thread[side] += cpu.getCurrentThreadCpuTime() - cpuStart;
      }
      LocalServer.drain(server);
      if (b < 0) continue;
      for (int side = 0; side < 2; side++) {
        java.util.Arrays.sort(wall[side]);
        meanNanos[side][b] = java.util.Arrays.stream(wall[side]).average().orElseThrow();
        trimmedNanos[side][b] =
            java.util.Arrays.stream(wall[side], 0, perSide * 99 / 100).average().orElseThrow();
        cpuNanos[side][b] = thread[side] / (double) perSide;
      }
      trimmedRatio[b] = trimmedNanos[0][b] / trimmedNanos[1][b];
      medianRatio[b] = (double) wall[0][perSide / 2] / wall[1][perSide / 2];
    }
    double bareRps = 1e9 / Bench.mean(meanNanos[0]);
    double sdkRps = 1e9 / Bench.mean(meanNanos[1]);
    double rawRatio = sdkRps / bareRps;
    double trimmed = Bench.mean(trimmedRatio);
    double[] ci = Bench.bootstrapMeanCi(trimmedRatio);
    double addedUs = (Bench.mean(trimmedNanos[1]) - Bench.mean(trimmedNanos[0])) / 1e3;
    double bareCpuUs = Bench.mean(cpuNanos[0]) / 1e3;
    double sdkCpuUs = Bench.mean(cpuNanos[1]) / 1e3;
    System.out.println(
        Bench.fmt(
            "steady state, 1 thread, call by call: bare %.0f rps, sdk %.0f rps (raw means, ratio"
                + " %.4f); slowest 1%% trimmed: ratio %.4f, 95%% CI [%.4f, %.4f], +%.2f us per"
                + " call; median-latency ratio %.4f; client-thread CPU per call bare %.2f us, sdk"
                + " %.2f us",
            bareRps,
            sdkRps,
            rawRatio,
            trimmed,
            ci[0],
            ci[1],
            addedUs,
            Bench.median(medianRatio),
            bareCpuUs,
            sdkCpuUs));
    Bench.row(
        "steady-state overhead",
        "1 thread, calls alternating one by one",
        Bench.fmt("SDK/bare = %.3f (95%% CI %.3f–%.3f)", trimmed, ci[0], ci[1]),
        Bench.fmt(
            "%.0f vs %.0f req/s (SDK vs bare; untrimmed ratio %.3f); +%.1f µs per call; client"
                + " thread CPU %.1f vs %.1f µs per call; %,d calls each, slowest 1%% of each"
                + " block dropped",
            sdkRps, bareRps, rawRatio, addedUs, sdkCpuUs, bareCpuUs, perSide * blocks));
  }

  private static double[] fill(int n, double value) {
    double[] values = new double[n];
    java.util.Arrays.fill(values, value);
    return values;
  }

  private static double sum(double[] values) {
    double total = 0;
    for (double v : values) total += v;
    return total;
  }

  /** Bootstrap over rounds (10,000 resamples, fixed seed) of the pooled throughput ratio. */
  private static double[] pooledRatioCi(
      double[] bareCount, double[] bareNanos, double[] sdkCount, double[] sdkNanos) {
    java.util.SplittableRandom random = new java.util.SplittableRandom(42);
    int n = bareCount.length;
    double[] ratios = new double[10_000];
    for (int b = 0; b < ratios.length; b++) {
      double bc = 0, bn = 0, sc = 0, sn = 0;
      for (int i = 0; i < n; i++) {
        int k = random.nextInt(n);
        bc += bareCount[k];
        bn += bareNanos[k];
        sc += sdkCount[k];
        sn += sdkNanos[k];
      }
      ratios[b] = (sc / sn) / (bc / bn);
    }
    return new double[] {Bench.quantile(ratios, 0.025), Bench.quantile(ratios, 0.975)};
  }

  /**
   * Worker threads that run slices of back-to-back synchronous calls, all switching client together
   * at a barrier. Slice {@code s} belongs to round {@code s / 2}; even rounds run bare first, odd
   * rounds SDK first.
   */
  private static final class Slices {
    final long[] counts;
    final long[] nanos;

    /** CPU time of this whole process (client and server) in each slice. */
    final long[] cpuNanos;

    private final com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private volatile long sliceCpuStart;
    private final MockWebServer server;
    private final int threads;
    private final long sliceNanos;
    private final OkHttpClient[] clients;
    private final Request[] requests;
    private final java.util.concurrent.atomic.AtomicLongArray counters;
    private volatile int slice = -1;
    private volatile long sliceStart;
    private volatile long deadline;

    Slices(
        MockWebServer server,
        int threads,
        int rounds,
        long sliceMillis,
        OkHttpClient[] clients,
        Request[] requests) {
      this.server = server;
      this.threads = threads;
      this.sliceNanos = TimeUnit.MILLISECONDS.toNanos(sliceMillis);
      this.clients = clients;
      this.requests = requests;
      this.counts = new long[2 * rounds];
      this.nanos = new long[2 * rounds];
      this.cpuNanos = new long[2 * rounds];
      this.counters = new java.util.concurrent.atomic.AtomicLongArray(2 * rounds);
    }

    static int clientOf(int slice) {
      int round = slice / 2;
      boolean bareFirst = round % 2 == 0;
      return (slice % 2 == 0) == bareFirst ? 0 : 1;
    }

    void run() throws Exception {
      java.util.concurrent.CyclicBarrier begin =
          new java.util.concurrent.CyclicBarrier(
              threads,
              () -> {
                slice++;
                sliceCpuStart = os.getProcessCpuTime();
                sliceStart = System.nanoTime();
                deadline = sliceStart + sliceNanos;
              });
      java.util.concurrent.CyclicBarrier end =
          new java.util.concurrent.CyclicBarrier(
              threads,
              () -> {
                nanos[slice] = System.nanoTime() - sliceStart;
                cpuNanos[slice] = os.getProcessCpuTime() - sliceCpuStart;
                counts[slice] = counters.get(slice);
                LocalServer.drain(server); // Between slices, outside the measured time.
              });
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(
            pool.submit(
                () -> {
                  for (int s = 0; s < counts.length; s++) {
                    begin.await(60, TimeUnit.SECONDS);
                    int current = slice;
                    int which = clientOf(current);
                    OkHttpClient client = clients[which];
                    Request request = requests[which];
                    long count = 0;
                    while (System.nanoTime() < deadline) {
                      try (Response response = client.newCall(request).execute()) {
                        response.body().string();
                        if (response.code() != 200)
                          throw new IOException("HTTP " + response.code() + " in the steady state");
                      }
                      count++;
                    }
                    counters.addAndGet(current, count);
                    end.await(60, TimeUnit.SECONDS);
                  }
                  return null;
                }));
      }
      try {
        for (Future<?> worker : workers) worker.get(30, TimeUnit.MINUTES);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /**
   * Auth endpoints go to the token server; every other path gets the same small 200, for a bearer
   * of any value (the two clients send the same one), without locking.
   */
  private static final class FixedResource extends Dispatcher {
    private final Dispatcher tokens;
    private final MockResponse ok =
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json; charset=utf-8")
            .body("{\"code\":0,\"message\":\"ok\",\"data\":{\"id\":\"1\",\"username\":\"demo\"}}")
            .build();
    private final MockResponse unauthorized = new MockResponse.Builder().code(401).build();

    FixedResource(Dispatcher tokens) {
      this.tokens = tokens;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
      if (request.getUrl().encodedPath().startsWith("/auth/")) return tokens.dispatch(request);
      String authorization = request.getHeaders().get("Authorization");
      return authorization != null && authorization.startsWith("Bearer ") ? ok : unauthorized;
    }
  }
}
