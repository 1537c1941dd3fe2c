package io.tokenpair.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The soak: N client-sdk sessions (half refreshing ahead, half reactive only) against the demo
 * server as a child process on SQLite with a rotation grace and 2 s access tokens, behind a {@link
 * CuttingProxy} that cuts 1% of the responses partway, while the server is killed with SIGKILL
 * every 60 s and started again on the same database and secrets.
 *
 * <pre>
 * java -cp benchmarks-all.jar io.tokenpair.bench.Soak [--minutes 10] [--clients 50]
 *     [--kill-every 60] [--cut-percent 1] [--pause-ms 100] [--rotation-grace 10s]
 * </pre>
 *
 * <p>It prints a Markdown table (also written to {@code soak.md} in the directory named by the
 * system property {@code soak.out}, default {@code benchmarks/target/results}) and exits 1 when an
 * invariant fails: sessions ended, reuse detected by the server, failures outside the down windows
 * and 401s outside the down windows must all be 0, except 401s of calls whose refresh and its retry
 * were both cut (counted apart). A down window runs from the kill until {@code /healthz} answers
 * again; a call that overlaps one is counted apart. The server's {@code /metrics} counters start at
 * 0 with each process, so they are read every second and once more just before each kill, and
 * summed over the processes.
 */
final class Soak {
  private static final Pattern REFRESH_METRIC =
      Pattern.compile("(?m)^tokenpair_refresh_total\\{outcome=\"([a-z_]+)\"} (\\d+)");

  private Soak() {}

  /** The kill-to-healthy intervals, in {@link System#nanoTime()}. */
  record Window(long killAt, long healthyAt) {
    boolean overlaps(long start, long end) {
      return start <= healthyAt && end >= killAt;
    }

    double millis() {
      return Bench.millis(healthyAt - killAt);
    }
  }

  record Settings(
      double minutes,
      int clients,
      int killEverySeconds,
      double cutPercent,
      long pauseMillis,
      String rotationGrace,
      String accessTtl) {
    static Settings parse(String[] args) {
      Map<String, String> values = new HashMap<>();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (!arg.startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException("usage: Soak [--minutes M] [--clients N] ...: " + arg);
        }
        values.put(arg.substring(2), args[++i]);
      }
      Settings s =
          new Settings(
              Double.parseDouble(values.getOrDefault("minutes", "10")),
              Integer.parseInt(values.getOrDefault("clients", "50")),
              Integer.parseInt(values.getOrDefault("kill-every", "60")),
              Double.parseDouble(values.getOrDefault("cut-percent", "1")),
              Long.parseLong(values.getOrDefault("pause-ms", "100")),
              values.getOrDefault("rotation-grace", "10s"),
              values.getOrDefault("access-ttl", "2s"));
      values
          .keySet()
          .removeAll(
              List.of(
                  "minutes",
                  "clients",
                  "kill-every",
                  "cut-percent",
                  "pause-ms",
                  "rotation-grace",
                  "access-ttl"));
      if (!values.isEmpty()) throw new IllegalArgumentException("unknown flags " + values.keySet());
      if (s.clients < 2 || s.minutes <= 0 || s.killEverySeconds <= 0) {
        throw new IllegalArgumentException("need 2+ clients, a positive duration and kill period");
      }
      return s;
    }
  }

  public static void main(String[] args) {
    int code;
    try {
      code = soak(Settings.parse(args)) ? 0 : 1;
    } catch (Exception e) {
      e.printStackTrace();
      code = 2;
    }
    // OkHttp's idle dispatcher threads would keep the JVM up for a minute.
    System.exit(code);
  }

  /** Runs the soak and prints its table; returns false if an invariant failed. */
  private static boolean soak(Settings settings) throws Exception {
    Path out = Path.of(System.getProperty("soak.out", "benchmarks/target/results"));
    Files.createDirectories(out);
    Path dir = Files.createTempDirectory("tokenpair-soak");
    Path db = dir.resolve("sessions.db");
    Path serverLog = out.resolve("soak-server.log");
    Files.deleteIfExists(serverLog);
    List<String> flags =
        List.of(
            "--store",
            "sqlite:" + db,
            "--access-ttl",
            settings.accessTtl(),
            "--rotation-grace",
            settings.rotationGrace(),
            "--captcha",
            "off");
    List<String[]> env = ServerProcess.randomSecrets();

    OkHttpClient direct = new OkHttpClient.Builder().callTimeout(2, TimeUnit.SECONDS).build();
    boolean ok;
    try (CuttingProxy proxy = new CuttingProxy(settings.cutPercent() / 100);
        ServerProcess server = new ServerProcess(flags, env, serverLog)) {
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "soak-server-cleanup"));
      System.out.println(
          Bench.fmt(
              "soak: %d clients, %.1f min, SIGKILL every %d s, %.1f%% of responses cut, pause %d"
                  + " ms; server: demo-server %s; database %s; server log %s",
              settings.clients(),
              settings.minutes(),
              settings.killEverySeconds(),
              settings.cutPercent(),
              settings.pauseMillis(),
              String.join(" ", flags),
              db,
              serverLog));
      Run run = new Run(settings, proxy, server, direct);
      ok = run.execute();
      String table = run.table();
      System.out.println();
      System.out.println(table);
      Files.writeString(out.resolve("soak.md"), table + "\n", StandardCharsets.UTF_8);
      for (String failure : run.failures()) System.out.println("INVARIANT FAILED: " + failure);
      run.printViolations();
      direct.dispatcher().executorService().shutdown();
      direct.connectionPool().evictAll();
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : (Iterable<Path>) files::iterator) Files.deleteIfExists(p);
      }
      Files.deleteIfExists(dir);
    }
    return ok;
  }

  /** One soak run: the schedule, then the tallies and their classification. */
  private static final class Run {
    private final Settings settings;
    private final CuttingProxy proxy;
    private final ServerProcess server;
    private final OkHttpClient direct;
    private final SoakClient.Tally ahead = new SoakClient.Tally();
    private final SoakClient.Tally reactive = new SoakClient.Tally();
    private final List<Window> windows = new ArrayList<>();
    private final Object serverLock = new Object();

    /** The server's refresh counters, latest reading per process. Guarded by serverLock. */
    private final List<Map<String, Long>> refreshOutcomes = new ArrayList<>();

    /** The port of the live server, or -1 while it is down. Guarded by serverLock. */
    private int serverPort = -1;

    private volatile boolean running = true;
    private long elapsedNanos;
    private final List<String> failures = new ArrayList<>();
    private final List<SoakClient.Outcome> violations = new ArrayList<>();
    private final List<SoakClient.Outcome> unrecovered = new ArrayList<>();

    Run(Settings settings, CuttingProxy proxy, ServerProcess server, OkHttpClient direct) {
      this.settings = settings;
      this.proxy = proxy;
      this.server = server;
      this.direct = direct;
    }

    boolean execute() throws Exception {
      startServer();
      String base = "http://127.0.0.1:" + proxy.port() + "/";
      List<SoakClient> clients = new ArrayList<>();
      for (int i = 0; i < settings.clients(); i++) {
        boolean refreshAhead = i % 2 == 0;
        clients.add(
            new SoakClient(
                i,
                refreshAhead,
                base,
                proxy,
                refreshAhead ? ahead : reactive,
                settings.pauseMillis()));
      }
      ExecutorService logins = Executors.newFixedThreadPool(2);
      List<Future<?>> signedIn = new ArrayList<>();
      for (SoakClient client : clients) {
        signedIn.add(
            logins.submit(
                () -> {
                  client.login();
                  return null;
                }));
      }
      for (Future<?> f : signedIn) f.get();
      logins.shutdown();
      System.out.println("soak: " + clients.size() + " clients signed in");

      long start = System.nanoTime();
      long deadline = start + (long) (settings.minutes() * 60e9);
      List<Thread> threads = new ArrayList<>();
      for (SoakClient client : clients) {
        Thread t =
            new Thread(
                () -> {
                  try {
                    client.run(() -> running);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "soak-client");
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
      Thread scraper = new Thread(this::scrapeLoop, "soak-metrics");
      scraper.setDaemon(true);
      scraper.start();

      long nextKill = start + TimeUnit.SECONDS.toNanos(settings.killEverySeconds());
      long nextProgress = start + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        long now = System.nanoTime();
        if (now - deadline >= 0) break;
        if (now - nextKill >= 0) {
          restart();
          nextKill += TimeUnit.SECONDS.toNanos(settings.killEverySeconds());
          continue;
        }
        if (now - nextProgress >= 0) {
          progress(now - start);
          nextProgress += TimeUnit.SECONDS.toNanos(10);
        }
        long wake = Math.min(Math.min(nextKill, deadline), nextProgress);
        TimeUnit.NANOSECONDS.sleep(Math.max(1, Math.min(wake - now, 200_000_000L)));
      }
      running = false;
      for (Thread t : threads) t.join(30_000);
      elapsedNanos = System.nanoTime() - start;
      scraper.interrupt();
      scraper.join(5_000);
      synchronized (serverLock) {
        scrape();
        serverPort = -1;
      }
      server.close();
      return check();
    }

    private void startServer() throws IOException, InterruptedException {
      int port = server.start();
      proxy.upstream(port);
      awaitHealthy(port);
      synchronized (serverLock) {
        serverPort = port;
        refreshOutcomes.add(new HashMap<>());
      }
    }

    /** Reads the counters one last time, SIGKILLs the server, starts it again. */
    private void restart() throws IOException, InterruptedException {
      long killAt;
      synchronized (serverLock) {
        scrape();
        serverPort = -1;
        killAt = System.nanoTime();
        server.kill();
      }
      startServer();
      Window w = new Window(killAt, System.nanoTime());
      windows.add(w);
      System.out.println(Bench.fmt("soak: killed and restarted; down %.0f ms", w.millis()));
    }

    private void awaitHealthy(int port) throws InterruptedException, IOException {
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      Request healthz = new Request.Builder().url("http://127.0.0.1:" + port + "/healthz").build();
      while (System.nanoTime() - giveUp < 0) {
        try (Response r = direct.newCall(healthz).execute()) {
          if (r.code() == 200) return;
        } catch (IOException e) {
          // Not up yet.
        }
        Thread.sleep(10);
      }
      throw new IOException("the demo server did not become healthy");
    }

    private void scrapeLoop() {
      while (running) {
        synchronized (serverLock) {
          scrape();
        }
        try {
          Thread.sleep(1_000);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    /** Reads /metrics of the live server into its slot. Holds serverLock. */
    private void scrape() {
      if (serverPort < 0) return;
      Request metrics =
          new Request.Builder().url("http://127.0.0.1:" + serverPort + "/metrics").build();
      try (Response r = direct.newCall(metrics).execute()) {
        Map<String, Long> values = new HashMap<>();
        Matcher m = REFRESH_METRIC.matcher(r.body().string());
        while (m.find()) values.put(m.group(1), Long.parseLong(m.group(2)));
        refreshOutcomes.set(refreshOutcomes.size() - 1, values);
      } catch (IOException e) {
        System.out.println("soak: could not read /metrics: " + e);
      }
    }

    private void progress(long elapsed) {
      System.out.println(
          Bench.fmt(
              "soak: %3.0f s: %d calls, %d not 200, %d cuts, %d sessions ended, %d restarts",
              elapsed / 1e9,
              ahead.calls.sum() + reactive.calls.sum(),
              ahead.notOk.size() + reactive.notOk.size(),
              proxy.cuts(),
              ahead.sessionsEnded.sum() + reactive.sessionsEnded.sum(),
              windows.size()));
    }

    /** The outcome counts of one mode, after classifying its non-200 calls. */
    private final class Counts {
      long down401;
      long bothCut401;
      long cutOnce401;
      long other401;
      long cutFailures;
      long downFailures;
      long otherFailures;
      long all401;
      long unrecoveredInDown;
      long unrecoveredOutside;

      Counts(SoakClient.Tally tally) {
        for (SoakClient.Outcome o : tally.refreshCutNotRecovered) {
          if (windows.stream().anyMatch(w -> w.overlaps(o.startNanos(), o.endNanos()))) {
            unrecoveredInDown++;
          } else {
            unrecoveredOutside++;
            unrecovered.add(o);
          }
        }
        for (SoakClient.Outcome o : tally.notOk) {
          boolean inDown = windows.stream().anyMatch(w -> w.overlaps(o.startNanos(), o.endNanos()));
          if (o.error() == null && (o.code() == 401 || o.code() == 419)) {
            all401++;
            int attempts = o.refreshAttempts();
            if (inDown) {
              down401++;
            } else if (attempts > 0 && o.refreshCuts() == attempts) {
              if (attempts >= 2) {
                bothCut401++;
              } else {
                cutOnce401++;
                violations.add(o);
              }
            } else {
              other401++;
              violations.add(o);
            }
          } else if (o.error() != null && (o.ownCuts() > 0 || o.refreshCuts() > 0)) {
            cutFailures++;
          } else if (inDown) {
            downFailures++;
          } else {
            otherFailures++;
            violations.add(o);
          }
        }
      }
    }

    private Counts aheadCounts;
    private Counts reactiveCounts;

    private boolean check() {
      aheadCounts = new Counts(ahead);
      reactiveCounts = new Counts(reactive);
      long ended = ahead.sessionsEnded.sum() + reactive.sessionsEnded.sum();
      long reuse = serverTotal("reuse_detected");
      long unexcused401 =
          aheadCounts.cutOnce401
              + aheadCounts.other401
              + reactiveCounts.cutOnce401
              + reactiveCounts.other401;
      long other = aheadCounts.otherFailures + reactiveCounts.otherFailures;
      if (ended != 0) failures.add(ended + " sessions ended (onSessionExpired)");
      if (reuse != 0) failures.add(reuse + " refresh-token reuses detected by the server");
      if (unexcused401 != 0) {
        failures.add(
            unexcused401
                + " 401/419s delivered to the app outside the down windows, not excused by a"
                + " refresh cut twice");
      }
      if (other != 0) failures.add(other + " other failures outside the down windows");
      return failures.isEmpty();
    }

    List<String> failures() {
      return failures;
    }

    private long serverTotal(String outcome) {
      synchronized (serverLock) {
        return refreshOutcomes.stream().mapToLong(m -> m.getOrDefault(outcome, 0L)).sum();
      }
    }

    void printViolations() {
      print("violation", violations);
      print("note: cut refresh that no retry answered", unrecovered);
    }

    private static void print(String label, List<SoakClient.Outcome> outcomes) {
      int shown = 0;
      for (SoakClient.Outcome o : outcomes) {
        if (shown++ == 20) {
          System.out.println("... and " + (outcomes.size() - 20) + " more");
          break;
        }
        System.out.println(
            Bench.fmt(
                "%s: client %d (%s) %s took %.3f s: %s; own cuts %d; refreshes %s",
                label,
                o.client(),
                o.refreshAhead() ? "refresh-ahead" : "reactive",
                o.path(),
                Bench.millis(o.endNanos() - o.startNanos()) / 1e3,
                o.error() != null ? o.error() : "HTTP " + o.code(),
                o.ownCuts(),
                o.refreshes()));
      }
    }

    String table() {
      List<String> rows = new ArrayList<>();
      rows.add("| figure | refresh-ahead | reactive | all | must be |");
      rows.add("|---|---|---|---|---|");
      modeRow(rows, "clients", t -> t == ahead ? ceilHalf() : floorHalf(), "");
      modeRow(rows, "app calls", t -> t.calls.sum(), "");
      modeRow(rows, "200", t -> t.ok.sum(), "");
      countsRow(rows, "401/419 delivered to the app, all", c -> c.all401, "");
      countsRow(rows, "… inside a down window", c -> c.down401, "");
      countsRow(rows, "… outside: refresh and its retry both cut", c -> c.bothCut401, "(counted)");
      countsRow(rows, "… outside: refresh cut once, not retried", c -> c.cutOnce401, "0");
      countsRow(rows, "… outside: other", c -> c.other401, "0");
      modeRow(rows, "sessions ended (onSessionExpired)", t -> t.sessionsEnded.sum(), "0");
      modeRow(
          rows,
          "app calls whose connection (or refresh's) the proxy cut",
          t -> t.cutCalls.sum(),
          "");
      modeRow(rows, "… of which answered 200 anyway", t -> t.cutCallsOk.sum(), "");
      countsRow(rows, "… of which failed with an IOException", c -> c.cutFailures, "");
      countsRow(rows, "other failures outside the down windows", c -> c.otherFailures, "0");
      countsRow(rows, "failures inside a down window", c -> c.downFailures, "");
      modeRow(rows, "refresh calls (a retry is a call of its own)", t -> t.refreshCalls.sum(), "");
      modeRow(rows, "… connections they used", t -> t.refreshAttempts.sum(), "");
      modeRow(rows, "… cuts on them", t -> t.refreshCuts.sum(), "");
      modeRow(rows, "… failed with an IOException", t -> t.refreshFailed.sum(), "");
      modeRow(
          rows,
          "… cut, and answered 200 by OkHttp's own retry in the same call",
          t -> t.refreshCutButOk.sum(),
          "");
      modeRow(
          rows,
          "app calls whose refresh was cut and then answered 200 on a retry",
          t -> t.refreshCutThenRecovered.sum(),
          "");
      countsRow(
          rows,
          "app calls whose cut refresh no retry answered: inside / outside a down window",
          c -> c.unrecoveredInDown,
          c -> c.unrecoveredOutside,
          "");
      modeRow(rows, "cuts on app requests", t -> t.appCuts.sum(), "");
      modeRow(rows, "logins (first and after a session ended)", t -> t.logins.sum(), "");
      modeRow(rows, "cuts on logins", t -> t.loginCuts.sum(), "");
      modeRow(rows, "refreshes outside any app call", t -> t.strayRefreshes.sum(), "");
      runRow(
          rows,
          "reuse detected by the server (/metrics, all processes)",
          String.valueOf(serverTotal("reuse_detected")),
          "0");
      runRow(
          rows,
          "server refresh outcomes: ok / grace / rejected",
          serverTotal("ok") + " / " + serverTotal("grace") + " / " + serverTotal("rejected"),
          "");
      runRow(rows, "duration", Bench.fmt("%.1f min", elapsedNanos / 60e9), "");
      double[] down = windows.stream().mapToDouble(Window::millis).toArray();
      runRow(
          rows,
          "SIGKILLs; down windows (kill to /healthz 200)",
          down.length == 0
              ? "0"
              : Bench.fmt(
                  "%d; median %.0f ms, max %.0f ms, total %.1f s",
                  down.length,
                  Bench.median(down),
                  Bench.max(down),
                  java.util.Arrays.stream(down).sum() / 1e3),
          "");
      long attributed =
          ahead.appCuts.sum()
              + reactive.appCuts.sum()
              + ahead.refreshCuts.sum()
              + reactive.refreshCuts.sum()
              + ahead.loginCuts.sum()
              + reactive.loginCuts.sum();
      runRow(
          rows,
          "proxy: responses; cut (in headers / in body); attributed to a call",
          Bench.fmt(
              "%d; %d (%d / %d); %d",
              proxy.responses(),
              proxy.cuts(),
              proxy.cutsInHeaders(),
              proxy.cuts() - proxy.cutsInHeaders(),
              attributed),
          "");
      runRow(
          rows,
          "proxy: connections; reset at once, server down",
          proxy.connections() + "; " + proxy.refused(),
          "");
      return String.join("\n", rows);
    }

    private long ceilHalf() {
      return (settings.clients() + 1) / 2;
    }

    private long floorHalf() {
      return settings.clients() / 2;
    }

    private void modeRow(
        List<String> rows, String name, ToLongFunction<SoakClient.Tally> f, String must) {
      long a = f.applyAsLong(ahead);
      long r = f.applyAsLong(reactive);
      rows.add("| " + name + " | " + a + " | " + r + " | " + (a + r) + " | " + must + " |");
    }

    private void countsRow(List<String> rows, String name, ToLongFunction<Counts> f, String must) {
      long a = f.applyAsLong(aheadCounts);
      long r = f.applyAsLong(reactiveCounts);
      rows.add("| " + name + " | " + a + " | " + r + " | " + (a + r) + " | " + must + " |");
    }

    /** A row of two counts per column, shown as "x / y". */
    private void countsRow(
        List<String> rows,
        String name,
        ToLongFunction<Counts> x,
        ToLongFunction<Counts> y,
        String must) {
      long ax = x.applyAsLong(aheadCounts);
      long ay = y.applyAsLong(aheadCounts);
      long rx = x.applyAsLong(reactiveCounts);
      long ry = y.applyAsLong(reactiveCounts);
      rows.add(
          Bench.fmt(
              "| %s | %d / %d | %d / %d | %d / %d | %s |",
              name, ax, ay, rx, ry, ax + rx, ay + ry, must));
    }

    private static void runRow(List<String> rows, String name, String value, String must) {
      rows.add("| " + name + " | | | " + value + " | " + must + " |");
    }
  }
}
