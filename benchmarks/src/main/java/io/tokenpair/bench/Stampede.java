package io.tokenpair.bench;

import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import mockwebserver3.MockWebServer;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * Stampede: N concurrent calls right after the access token expired, through one client with
 * TokenPairAuth installed, against MockWebServer playing the token server with its refresh answered
 * after 20 ms.
 *
 * <p>Per trial: N plain calls (valid token: the cost of N concurrent round trips alone), then the
 * server expires every access token and N calls are enqueued at once; each gets 401, they share one
 * refresh and are replayed. Reported: refresh requests the server saw (must be 1), and the wall
 * time over the ideal, which a bare client measures in the same trial by doing the recovery by hand
 * (one 401, one refresh, one 200, in sequence).
 */
final class Stampede {
  private Stampede() {}

  public static void main(String[] args) throws Exception {
    boolean quick = Bench.quick(args);
    int[] sizes = {1, 10, 100, 1000};
    int trials = quick ? 3 : 9;
    int maxN = 1000;

    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    try (MockWebServer server = LocalServer.start(new DelayingDispatcher(tokens, 20, 0))) {
      HttpUrl base = server.url("/");
      HttpUrl api = base.resolve("api/me");
      TokenPairAuth auth = TokenPairAuth.builder().baseUrl(base).build();
      OkHttpClient client = auth.install(Calls.wideClient(maxN + 16)).build();
      auth.login(Calls.loginRequest(base));
      Calls.IdealClient ideal = new Calls.IdealClient(base);

      // Warm-up: JIT, threads and connections for the largest burst, and a few stampedes.
      for (int i = 0; i < (quick ? 2 : 4); i++) {
        Calls.burst(client, api, maxN);
        tokens.expireAccessTokens();
        Calls.burst(client, api, 100);
        ideal.recoverOnce();
        Bench.sleep(400);
      }
      LocalServer.drain(server);

      for (int n : sizes) {
        double[] ratio = new double[trials];
        double[] wall = new double[trials];
        double[] idealMs = new double[trials];
        double[] plainMs = new double[trials];
        TreeSet<Integer> refreshCounts = new TreeSet<>();
        int failed = 0;
        Calls.burst(client, api, n); // Connections for this size.
        for (int t = 0; t < trials; t++) {
          Calls.Burst plain = Calls.burst(client, api, n);
          failed += plain.failed();
          plainMs[t] = Bench.millis(plain.nanos());

          int before = tokens.refreshCount();
          tokens.expireAccessTokens();
          Calls.Burst burst = Calls.burst(client, api, n);
          refreshCounts.add(tokens.refreshCount() - before);
          failed += burst.failed();
          wall[t] = Bench.millis(burst.nanos());

          List<Long> ideals = new ArrayList<>();
          for (int i = 0; i < 3; i++) ideals.add(ideal.recoverOnce());
          ideals.sort(null);
          idealMs[t] = Bench.millis(ideals.get(1));
          ratio[t] = wall[t] / idealMs[t];
          LocalServer.drain(server);
          Bench.sleep(400); // Past the SDK's 300 ms grace window.
        }
        System.out.println(
            Bench.fmt(
                "stampede N=%d: refreshes %s, wall %s ms, ideal %s ms, plain burst %s ms, failed %d",
                n, refreshCounts, list(wall), list(idealMs), list(plainMs), failed));
        String refreshes =
            refreshCounts.size() == 1
                ? refreshCounts.first() + " refresh" + (refreshCounts.first() == 1 ? "" : "es")
                : "refreshes " + refreshCounts;
        Bench.row(
            "stampede",
            "N=" + n,
            Bench.fmt(
                "%s; %.2f× ideal (%.1f–%.1f×)",
                refreshes, Bench.median(ratio), Bench.min(ratio), Bench.max(ratio)),
            Bench.fmt(
                "wall %.1f ms, ideal %.1f ms, N plain calls %.1f ms (medians of %d)%s",
                Bench.median(wall),
                Bench.median(idealMs),
                Bench.median(plainMs),
                trials,
                failed == 0 ? "" : "; " + failed + " calls failed"));
      }
      client.dispatcher().executorService().shutdown();
    }
  }

  private static String list(double[] values) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < values.length; i++) {
      if (i > 0) out.append(", ");
      out.append(Bench.fmt("%.1f", values[i]));
    }
    return out.append(']').toString();
  }
}
