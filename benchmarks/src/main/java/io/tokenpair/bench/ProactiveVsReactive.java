package io.tokenpair.bench;

import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * Proactive against reactive refresh: N concurrent calls at the moment the access token expires,
 * once with {@code refreshAhead} on (the default 30 s, capped by the SDK at half the token's life)
 * and once with it off (0), against MockWebServer playing the token server with JWT access tokens
 * that live 2 s and a refresh answered after 20 ms.
 *
 * <p>Per trial every configuration (mode × N) signs in afresh, then the driver waits until those
 * tokens have expired by both the server's and the client's clock, and fires each configuration's
 * burst in turn (the order flips every trial). Proactive: the SDK sees the expired {@code exp},
 * refreshes once before sending, and the calls go out once. Reactive: every call is sent, gets 401,
 * shares one refresh, and is replayed. Also with 10 ms of emulated latency on every answer, where
 * the saved round trip shows.
 */
final class ProactiveVsReactive {
  private ProactiveVsReactive() {}

  private static final int[] SIZES = {1, 10, 100, 1000};
  private static final long TOKEN_LIFETIME_MS = 2000;

  public static void main(String[] args) throws Exception {
    boolean quick = Bench.quick(args);
    int trials = quick ? 3 : 5;
    long[] latencies = {0, 10};
    for (long latency : latencies) run(latency, trials, quick ? 1 : 2);
  }

  private static void run(long latencyMillis, int trials, int warmupTrials) throws Exception {
    TokenServerDispatcher tokens =
        TokenServerDispatcher.builder()
            .accessTokenLifetime(TOKEN_LIFETIME_MS, TimeUnit.MILLISECONDS)
            .build();
    try (MockWebServer server =
        LocalServer.start(new DelayingDispatcher(tokens, 20, latencyMillis))) {
      HttpUrl base = server.url("/");
      HttpUrl api = base.resolve("api/me");
      // One dispatcher and one connection pool for all clients: they fire one after the other.
      OkHttpClient shared = Calls.wideClient(1100).build();
      int configs = 2 * SIZES.length;
      TokenPairAuth[] auths = new TokenPairAuth[configs];
      OkHttpClient[] clients = new OkHttpClient[configs];
      for (int c = 0; c < configs; c++) {
        boolean proactive = c < SIZES.length;
        auths[c] =
            TokenPairAuth.builder()
                .baseUrl(base)
                .refreshAhead(proactive ? 30_000 : 0, TimeUnit.MILLISECONDS)
                .build();
        clients[c] = auths[c].install(shared.newBuilder()).build();
      }
      double[][] wall = new double[configs][trials];
      TreeSet<Integer>[] refreshes = newSets(configs);
      TreeSet<Integer>[] expired = newSets(configs);
      int failed = 0;
      for (int t = -warmupTrials; t < trials; t++) {
        long lastLogin = 0;
        for (int c = 0; c < configs; c++) {
          auths[c].login(Calls.loginRequest(base));
          lastLogin = System.currentTimeMillis();
        }
        // Expired by the server's clock (issued + 2 s, plus the emulated latency) and the JWT's.
        long wait = lastLogin + TOKEN_LIFETIME_MS + 50 - System.currentTimeMillis();
        if (wait > 0) Bench.sleep(wait);
        boolean forward = Math.floorMod(t, 2) == 0;
        for (int i = 0; i < configs; i++) {
          int c = forward ? i : configs - 1 - i;
          int refreshBefore = tokens.refreshCount();
          int expiredBefore = tokens.expiredCount();
          Calls.Burst burst = Calls.burst(clients[c], api, SIZES[c % SIZES.length]);
          if (t < 0) continue;
          failed += burst.failed();
          wall[c][t] = Bench.millis(burst.nanos());
          refreshes[c].add(tokens.refreshCount() - refreshBefore);
          expired[c].add(tokens.expiredCount() - expiredBefore);
        }
        LocalServer.drain(server);
      }
      shared.dispatcher().executorService().shutdown();
      for (int s = 0; s < SIZES.length; s++) {
        int n = SIZES[s];
        int pro = s;
        int re = SIZES.length + s;
        double proMs = Bench.median(wall[pro]);
        double reMs = Bench.median(wall[re]);
        System.out.println(
            Bench.fmt(
                "latency %d ms, N=%d: proactive %s ms (refreshes %s, 401s %s), reactive %s ms"
                    + " (refreshes %s, 401s %s), failed %d",
                latencyMillis,
                n,
                java.util.Arrays.toString(wall[pro]),
                refreshes[pro],
                expired[pro],
                java.util.Arrays.toString(wall[re]),
                refreshes[re],
                expired[re],
                failed));
        Bench.row(
            "proactive vs reactive",
            Bench.fmt("N=%d, +%d ms latency", n, latencyMillis),
            Bench.fmt("proactive %.1f ms, reactive %.1f ms (%.2f×)", proMs, reMs, proMs / reMs),
            Bench.fmt(
                "401s: proactive %s, reactive %s; refreshes %s / %s; medians of %d%s",
                one(expired[pro]),
                one(expired[re]),
                one(refreshes[pro]),
                one(refreshes[re]),
                trials,
                failed == 0 ? "" : "; " + failed + " calls failed"));
      }
    }
  }

  private static String one(TreeSet<Integer> values) {
    return values.size() == 1 ? String.valueOf(values.first()) : values.toString();
  }

  @SuppressWarnings("unchecked")
  private static TreeSet<Integer>[] newSets(int n) {
    TreeSet<Integer>[] sets = new TreeSet[n];
    for (int i = 0; i < n; i++) sets[i] = new TreeSet<>();
    return sets;
  }
}
