package io.tokenpair.demo;

import io.tokenpair.client.CookieStore;
import io.tokenpair.client.SdkClocks;
import io.tokenpair.client.SessionListener;
import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.demo.DemoConfig.CaptchaMode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * An app that uses the client SDK against a {@link Harness} server: {@link TokenPairAuth} on the
 * server's test clock, installed into an OkHttp client, with a listener that counts events and a
 * network interceptor that counts every answer by status and path (the SDK's own refresh calls
 * included).
 */
final class SdkClient implements SessionListener, Interceptor, AutoCloseable {
  final Harness harness;
  final CookieStore cookies = CookieStore.inMemory();
  final TokenPairAuth auth;
  final OkHttpClient client;
  final AtomicInteger refreshed = new AtomicInteger();
  final AtomicInteger sessionExpired = new AtomicInteger();
  private final Map<String, AtomicInteger> wire = new ConcurrentHashMap<>();

  /**
   * @param sdk adjusts the SDK's builder, after the base URL, the cookie store and the listener
   * @param interceptors application interceptors, installed before the SDK, so that they see its
   *     refresh calls too
   */
  SdkClient(Harness harness, Consumer<TokenPairAuth.Builder> sdk, Interceptor... interceptors) {
    this(harness, sdk, List.of(interceptors), List.of());
  }

  /**
   * @param network network interceptors, installed before the SDK and after this client's own
   *     counting one: they see each exchange before OkHttp reads its cookies
   */
  SdkClient(
      Harness harness,
      Consumer<TokenPairAuth.Builder> sdk,
      List<Interceptor> interceptors,
      List<Interceptor> network) {
    this.harness = harness;
    var builder =
        SdkClocks.builder(harness.clock)
            .baseUrl(harness.server.baseUrl() + "/")
            .cookieStore(cookies)
            .listener(this);
    sdk.accept(builder);
    this.auth = builder.build();
    var http = new OkHttpClient.Builder().retryOnConnectionFailure(false);
    for (var interceptor : interceptors) http.addInterceptor(interceptor);
    http.addNetworkInterceptor(this);
    for (var interceptor : network) http.addNetworkInterceptor(interceptor);
    this.client = auth.install(http).build();
  }

  /** A client that refreshes only when a call fails: no refresh ahead. */
  SdkClient(Harness harness) {
    this(harness, b -> b.refreshAhead(0, TimeUnit.SECONDS));
  }

  /** Signs in through {@link TokenPairAuth#login}, solving the captcha when the server asks one. */
  String login() throws IOException {
    var body = Harness.MAPPER.createObjectNode();
    body.put("username", DemoConfig.DEFAULT_USER);
    body.put("password", DemoConfig.DEFAULT_PASSWORD);
    if (harness.server.config().captcha() == CaptchaMode.REVEAL) {
      var captcha = harness.get("/auth/captcha").json().path("data");
      body.put("captcha_id", captcha.path("captcha_id").asText());
      body.put("captcha", captcha.path("answer").asText());
    }
    return auth.login(
        harness
            .request("/auth/login")
            .post(RequestBody.create(Harness.MAPPER.writeValueAsString(body), Harness.JSON))
            .build());
  }

  /** GETs {@code path} through the SDK. */
  Harness.Answer get(String path) throws IOException {
    try (var response = client.newCall(harness.request(path).build()).execute()) {
      return new Harness.Answer(response, response.body().string());
    }
  }

  int status(String path) throws IOException {
    return get(path).code();
  }

  /** GETs {@code path} from {@code n} threads released together; returns their statuses. */
  List<Integer> parallel(String path, int n) throws Exception {
    return releasedTogether(n, () -> status(path));
  }

  /** Runs {@code call} on {@code n} threads released together by a barrier; results in order. */
  static <T> List<T> releasedTogether(int n, Callable<T> call) throws Exception {
    var barrier = new CyclicBarrier(n);
    var pool = Executors.newFixedThreadPool(n);
    try {
      Callable<T> task =
          () -> {
            barrier.await(30, TimeUnit.SECONDS);
            return call.call();
          };
      var results = new ArrayList<T>();
      for (var future : pool.invokeAll(Collections.nCopies(n, task), 60, TimeUnit.SECONDS)) {
        results.add(future.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /** The {@code rt} cookie value the SDK holds now, or null. */
  String rt() throws IOException {
    for (var cookie : cookies.loadCookies()) {
      if (cookie.name().equals(RefreshCookie.NAME)) return cookie.value();
    }
    return null;
  }

  /** How many answers with {@code status} for {@code path} went over the wire. */
  int wire(int status, String path) {
    var count = wire.get(status + " " + path);
    return count == null ? 0 : count.get();
  }

  /** The value of a counter or gauge, scraped from {@code GET /metrics}. */
  long metric(String series) {
    for (var line : harness.get("/metrics").body().split("\n")) {
      if (line.startsWith(series + " ")) return Long.parseLong(line.substring(series.length() + 1));
    }
    throw new AssertionError("/metrics has no " + series);
  }

  long refreshes(String outcome) {
    return metric("tokenpair_refresh_total{outcome=\"" + outcome + "\"}");
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    var response = chain.proceed(chain.request());
    wire.computeIfAbsent(
            response.code() + " " + chain.request().url().encodedPath(), k -> new AtomicInteger())
        .incrementAndGet();
    return response;
  }

  @Override
  public void onRefreshed(String accessToken) {
    refreshed.incrementAndGet();
  }

  @Override
  public void onSessionExpired() {
    sessionExpired.incrementAndGet();
  }

  @Override
  public void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
