package io.tokenpair.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Cookie;
import okhttp3.CookieJar;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Client-side helpers: clients sized for a thousand concurrent calls, and a burst of calls. */
final class Calls {
  /** Bounds every wait for a burst: a stuck run fails instead of hanging. */
  static final long BURST_TIMEOUT_SECONDS = 60;

  private Calls() {}

  /**
   * A builder whose dispatcher admits {@code concurrency} calls at once, to one host too (the
   * defaults are 64 and 5), and whose pool keeps that many idle connections for 5 minutes (the
   * default keeps 5), so a burst finds its connections already open.
   */
  static OkHttpClient.Builder wideClient(int concurrency) {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(concurrency);
    dispatcher.setMaxRequestsPerHost(concurrency);
    return new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(concurrency, 5, TimeUnit.MINUTES))
        .callTimeout(BURST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  static Request loginRequest(HttpUrl base) {
    return new Request.Builder()
        .url(base.resolve("auth/login"))
        .post(
            RequestBody.create(
                "{\"username\":\"demo\",\"password\":\"demo-password\"}",
                MediaType.get("application/json")))
        .build();
  }

  /** The outcome of a burst. */
  record Burst(long nanos, int ok, int failed, List<Integer> failures) {}

  /**
   * Enqueues {@code n} GETs of {@code url} at once and waits for all of them (bounded). Returns the
   * wall time from the first enqueue to the last completion, and how many answered 200.
   */
  static Burst burst(OkHttpClient client, HttpUrl url, int n) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(n);
    AtomicInteger ok = new AtomicInteger();
    List<Integer> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    Request request = new Request.Builder().url(url).build();
    Callback callback =
        new Callback() {
          @Override
          public void onResponse(Call call, Response response) {
            try (response) {
              response.body().string();
              if (response.code() == 200) ok.incrementAndGet();
              else failures.add(response.code());
            } catch (IOException e) {
              failures.add(-1);
            } finally {
              done.countDown();
            }
          }

          @Override
          public void onFailure(Call call, IOException e) {
            failures.add(-1);
            done.countDown();
          }
        };
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) client.newCall(request).enqueue(callback);
    if (!done.await(BURST_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      client.dispatcher().cancelAll();
      throw new IllegalStateException("burst of " + n + " did not finish in time");
    }
    long nanos = System.nanoTime() - start;
    return new Burst(nanos, ok.get(), n - ok.get(), failures);
  }

  /**
   * A bare client (no SDK) signed in to the token server, which runs the ideal recovery by hand:
   * one call that fails, one refresh, one replay, strictly one after the other.
   */
  static final class IdealClient {
    private static final java.util.regex.Pattern TOKEN =
        java.util.regex.Pattern.compile("\"access_token\":\"([^\"]+)\"");
    private final OkHttpClient client;
    private final HttpUrl base;

    IdealClient(HttpUrl base) throws IOException {
      this.base = base;
      this.client = new OkHttpClient.Builder().cookieJar(new SimpleJar()).build();
      token(client.newCall(loginRequest(base)).execute());
    }

    /** Returns the wall time of 401, refresh, 200, in nanoseconds. */
    long recoverOnce() throws IOException {
      HttpUrl url = base.resolve("api/ideal");
      long start = System.nanoTime();
      try (Response failed = client.newCall(bearer(url, "expired-token")).execute()) {
        failed.body().string();
        if (failed.code() != 401) throw new IOException("expected 401, got " + failed.code());
      }
      Request refresh =
          new Request.Builder().url(base.resolve("auth/refresh")).post(RequestBody.EMPTY).build();
      String token = token(client.newCall(refresh).execute());
      try (Response replay = client.newCall(bearer(url, token)).execute()) {
        replay.body().string();
        if (replay.code() != 200) throw new IOException("expected 200, got " + replay.code());
      }
      return System.nanoTime() - start;
    }

    private static Request bearer(HttpUrl url, String token) {
      return new Request.Builder().url(url).header("Authorization", "Bearer " + token).build();
    }

    private static String token(Response response) throws IOException {
      try (response) {
        String body = response.body().string();
        java.util.regex.Matcher m = TOKEN.matcher(body);
        if (response.code() != 200 || !m.find())
          throw new IOException("no token: HTTP " + response.code());
        return m.group(1);
      }
    }
  }

  /** A plain in-memory cookie jar for the bare clients that play the ideal client. */
  static final class SimpleJar implements CookieJar {
    private final ConcurrentHashMap<String, Cookie> cookies = new ConcurrentHashMap<>();

    @Override
    public void saveFromResponse(HttpUrl url, List<Cookie> list) {
      for (Cookie cookie : list) cookies.put(cookie.name(), cookie);
    }

    @Override
    public List<Cookie> loadForRequest(HttpUrl url) {
      List<Cookie> result = new ArrayList<>();
      for (Cookie cookie : cookies.values()) if (cookie.matches(url)) result.add(cookie);
      return result;
    }
  }
}
