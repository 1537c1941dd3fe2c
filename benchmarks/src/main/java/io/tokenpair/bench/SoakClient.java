package io.tokenpair.bench;

import io.tokenpair.client.TokenPairAuth;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One device of the soak: its own {@link TokenPairAuth} session on its own OkHttp client (through
 * the public API only), calling {@code /api/me} and {@code /api/notes} in turn with a short pause,
 * one call at a time on its own thread.
 *
 * <p>An OkHttp {@link EventListener}, installed before the session so that the SDK's refresh calls
 * carry it too, notes the client ports of every connection each call used and asks the {@link
 * CuttingProxy} which of them it cut. Refresh calls are filed under the app call that is running on
 * this client: with one app thread per client, every refresh of the session happens while an app
 * call waits for it. The thread of {@link #run} writes the app-call fields; the refresh calls write
 * their records from the SDK's refresher thread.
 */
final class SoakClient {
  private static final String[] PATHS = {"/api/me", "/api/notes"};

  /** One refresh call of the SDK, as seen on the wire. */
  record RefreshRecord(int attempts, int cuts, int code, String error) {}

  /** One app call that did not answer 200, kept for the report. */
  record Outcome(
      int client,
      boolean refreshAhead,
      String path,
      long startNanos,
      long endNanos,
      int code,
      String error,
      int ownCuts,
      List<RefreshRecord> refreshes) {
    int refreshAttempts() {
      return refreshes.stream().mapToInt(RefreshRecord::attempts).sum();
    }

    int refreshCuts() {
      return refreshes.stream().mapToInt(RefreshRecord::cuts).sum();
    }
  }

  /** Counters of all clients of one mode. Thread-safe. */
  static final class Tally {
    final LongAdder calls = new LongAdder();
    final LongAdder ok = new LongAdder();
    final LongAdder cutCalls = new LongAdder();
    final LongAdder cutCallsOk = new LongAdder();
    final LongAdder appCuts = new LongAdder();
    final LongAdder refreshCalls = new LongAdder();
    final LongAdder refreshAttempts = new LongAdder();
    final LongAdder refreshCuts = new LongAdder();
    final LongAdder refreshCutButOk = new LongAdder();
    final LongAdder refreshCutThenRecovered = new LongAdder();
    final LongAdder refreshFailed = new LongAdder();
    final LongAdder strayRefreshes = new LongAdder();
    final LongAdder loginCuts = new LongAdder();
    final LongAdder logins = new LongAdder();
    final LongAdder sessionsEnded = new LongAdder();
    final Queue<Outcome> notOk = new ConcurrentLinkedQueue<>();
    final Queue<Outcome> refreshCutNotRecovered = new ConcurrentLinkedQueue<>();
  }

  /** The app call in flight; its fields are written by the thread of {@link #run}. */
  private static final class AppCall {
    final long startNanos = System.nanoTime();
    int ownCuts;
    final List<RefreshRecord> refreshes = new ArrayList<>(); // guarded by itself
  }

  private final int id;
  private final boolean refreshAhead;
  private final String baseUrl;
  private final CuttingProxy proxy;
  private final Tally tally;
  private final long pauseMillis;
  private final TokenPairAuth auth;
  private final OkHttpClient http;
  private volatile boolean sessionEnded;
  private volatile AppCall current;

  SoakClient(
      int id,
      boolean refreshAhead,
      String baseUrl,
      CuttingProxy proxy,
      Tally tally,
      long pauseMillis) {
    this.id = id;
    this.refreshAhead = refreshAhead;
    this.baseUrl = baseUrl;
    this.proxy = proxy;
    this.tally = tally;
    this.pauseMillis = pauseMillis;
    TokenPairAuth.Builder builder =
        TokenPairAuth.builder()
            .baseUrl(baseUrl)
            .listener(
                new io.tokenpair.client.SessionListener() {
                  @Override
                  public void onSessionExpired() {
                    tally.sessionsEnded.increment();
                    sessionEnded = true;
                  }
                });
    if (!refreshAhead) builder.refreshAhead(0, TimeUnit.MILLISECONDS);
    this.auth = builder.build();
    OkHttpClient.Builder okhttp =
        new OkHttpClient.Builder()
            .connectTimeout(5, TimeUnit.SECONDS)
            .readTimeout(10, TimeUnit.SECONDS)
            .eventListenerFactory(Probe::new);
    this.http = auth.install(okhttp).build();
  }

  /** Signs in, retrying when the proxy cuts the answer or the server is down. */
  void login() throws IOException, InterruptedException {
    IOException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      try {
        auth.login(Calls.loginRequest(HttpUrl.get(baseUrl)));
        tally.logins.increment();
        sessionEnded = false;
        return;
      } catch (IOException e) {
        last = e;
        Thread.sleep(250);
      }
    }
    throw new IOException("client " + id + " could not sign in", last);
  }

  /** Calls until {@code running} turns false; signs in again after a session ended. */
  void run(BooleanSupplier running) throws InterruptedException {
    int i = id;
    while (running.getAsBoolean()) {
      if (sessionEnded) {
        try {
          login();
        } catch (IOException e) {
          return;
        }
      }
      String path = PATHS[i++ % PATHS.length];
      AppCall call = new AppCall();
      current = call;
      int code = -1;
      String error = null;
      try (Response response =
          http.newCall(new Request.Builder().url(baseUrl + path.substring(1)).build()).execute()) {
        response.body().string();
        code = response.code();
      } catch (IOException e) {
        error = e.getClass().getSimpleName() + ": " + e.getMessage();
      }
      long end = System.nanoTime();
      current = null;
      record(call, path, end, code, error);
      long pause = pauseMillis / 2 + ThreadLocalRandom.current().nextLong(pauseMillis + 1);
      Thread.sleep(pause);
    }
  }

  private void record(AppCall call, String path, long end, int code, String error) {
    List<RefreshRecord> refreshes;
    synchronized (call.refreshes) {
      refreshes = List.copyOf(call.refreshes);
    }
    boolean refreshCut = refreshes.stream().anyMatch(r -> r.cuts() > 0);
    boolean cut = call.ownCuts > 0 || refreshCut;
    Outcome outcome =
        new Outcome(
            id, refreshAhead, path, call.startNanos, end, code, error, call.ownCuts, refreshes);
    tally.calls.increment();
    if (cut) tally.cutCalls.increment();
    if (recovered(refreshes)) {
      tally.refreshCutThenRecovered.increment();
    } else if (refreshCut) {
      tally.refreshCutNotRecovered.add(outcome);
    }
    if (code == 200) {
      tally.ok.increment();
      if (cut) tally.cutCallsOk.increment();
      return;
    }
    tally.notOk.add(outcome);
  }

  /** True if a refresh was cut and it, or a later refresh of the same app call, answered 200. */
  private static boolean recovered(List<RefreshRecord> refreshes) {
    boolean cut = false;
    for (RefreshRecord r : refreshes) {
      cut |= r.cuts() > 0;
      if (cut && r.code() == 200 && r.error() == null) return true;
    }
    return false;
  }

  /** Per call: which connections it used, and which of them the proxy cut. */
  private final class Probe extends EventListener {
    private final List<Integer> ports = new ArrayList<>(2); // guarded by this
    private final long startNanos = System.nanoTime();
    private int code = -1; // guarded by this

    Probe(Call call) {}

    @Override
    public synchronized void connectionAcquired(Call call, Connection connection) {
      ports.add(connection.socket().getLocalPort());
    }

    @Override
    public synchronized void responseHeadersEnd(Call call, Response response) {
      code = response.code();
    }

    @Override
    public void callEnd(Call call) {
      finish(call, null);
    }

    @Override
    public void callFailed(Call call, IOException e) {
      finish(call, e);
    }

    private synchronized void finish(Call call, IOException e) {
      int cuts = 0;
      for (int port : ports) {
        if (proxy.cutSince(port, startNanos) != null) cuts++;
      }
      String path = call.request().url().encodedPath();
      if (path.equals("/auth/refresh")) {
        tally.refreshCalls.increment();
        tally.refreshAttempts.add(ports.size());
        tally.refreshCuts.add(cuts);
        if (e != null) tally.refreshFailed.increment();
        if (cuts > 0 && e == null && code == 200) tally.refreshCutButOk.increment();
        RefreshRecord r =
            new RefreshRecord(
                ports.size(), cuts, code, e == null ? null : e.getClass().getSimpleName());
        AppCall app = current;
        if (app == null) {
          tally.strayRefreshes.increment();
        } else {
          synchronized (app.refreshes) {
            app.refreshes.add(r);
          }
        }
      } else if (path.equals("/auth/login")) {
        tally.loginCuts.add(cuts);
      } else {
        tally.appCuts.add(cuts);
        AppCall app = current;
        if (app != null) app.ownCuts += cuts;
      }
    }
  }
}
