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
 * the same bearer header itself, to the same MockWebServer, in the same JVM.
 *
 * <p>A careful loop rather than JMH: JMH runs one benchmark after the other, in separate forks, so
 * drift on this shared 2-core machine (other tenants' builds come and go for seconds at a time)
 * lands on one side. Here the two clients alternate in short slices of 50 ms (bare, SDK, SDK, bare,
 * ...; all worker threads switch together at a barrier), hundreds of times. The headline is the
 * pooled throughput ratio (SDK requests per second over bare requests per second, over all slices)
 * with a 95% bootstrap confidence interval that resamples rounds; the median of the per-round
 * ratios is printed as a robustness check. Each request is a real loopback round trip of about a
 * hundred microseconds, far above the timer's resolution, so JMH's nanosecond machinery would add
 * nothing here; {@link CallCpuBenchmark} is the JMH view of the same cost without a network.
 */
final class SteadyStateOverhead {
  private SteadyStateOverhead() {}

  public static void main(String[] args) throws Exception {
    boolean quick = Bench.quick(args);
    int rounds = quick ? 60 : 300;
    int warmupRounds = quick ? 20 : 40;
    long sliceMillis = 50;
    int[] threadCounts = {1, 4};

    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    try (MockWebServer server = LocalServer.start(new FixedResource(tokens))) {
      HttpUrl base = server.url("/");
      HttpUrl api = base.resolve("api/me");
      TokenPairAuth auth = TokenPairAuth.builder().baseUrl(base).build();
      OkHttpClient sdk = auth.install(Calls.wideClient(64)).build();
      auth.login(Calls.loginRequest(base));
      OkHttpClient bare = Calls.wideClient(64).build();
      Request sdkRequest = new Request.Builder().url(api).build();
      Request bareRequest =
          new Request.Builder()
              .url(api)
              .header("Authorization", "Bearer " + auth.accessToken())
              .build();

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
        for (int r = 0; r < rounds; r++) {
          int round = warmupRounds + r;
          for (int p = 0; p < 2; p++) {
            int slice = 2 * round + p;
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
                sliceStart = System.nanoTime();
                deadline = sliceStart + sliceNanos;
              });
      java.util.concurrent.CyclicBarrier end =
          new java.util.concurrent.CyclicBarrier(
              threads,
              () -> {
                nanos[slice] = System.nanoTime() - sliceStart;
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
