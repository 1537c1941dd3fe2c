package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Routing, envelopes, bad input, CORS and the operational endpoints. */
class DemoServerTest {
  private Harness harness = new Harness(b -> b.corsOrigin("http://localhost:5173"));

  @AfterEach
  void stop() {
    harness.close();
  }

  private Harness.Answer postLogin(RequestBody body) {
    return harness.execute(harness.request("/auth/login").post(body).build());
  }

  @Test
  void portZeroBindsAFreePortAndBaseUrlPointsAtIt() {
    assertThat(harness.server.port()).isPositive();
    assertThat(harness.server.baseUrl()).isEqualTo("http://127.0.0.1:" + harness.server.port());
  }

  @Test
  void stopReleasesThePort() throws IOException {
    var port = harness.server.port();
    harness.server.stop();
    try (var socket = new ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      assertThat(socket.getLocalPort()).isEqualTo(port);
    }
    assertThatThrownBy(harness.server::port).isInstanceOf(IllegalStateException.class);
  }

  @Test
  @Timeout(10)
  void purgesTheStoreOnItsIntervalEvenAfterAFailureUntilStopped() throws Exception {
    var store = new ControllableStore();
    store.failNextPurge = true;
    var clock = new TestClock();
    var config =
        DemoConfig.builder().port(0).purgeInterval(Duration.ofMillis(5)).clock(clock).build();
    var server = new DemoServer(config, store).start();
    try {
      assertThat(store.purges.poll(5, TimeUnit.SECONDS)).isEqualTo(clock.instant());
      assertThat(store.purges.poll(5, TimeUnit.SECONDS))
          .as("purged again after the failed run")
          .isEqualTo(clock.instant());
    } finally {
      server.stop();
    }
    assertThat(server.purger().isTerminated()).isTrue();
    assertThat(store.closed).as("a store passed in belongs to the caller").isFalse();
  }

  @Test
  void noPurgeThreadWhenTheIntervalIsZero() throws IOException {
    var config = DemoConfig.builder().port(0).purgeInterval(Duration.ZERO).build();
    var server = new DemoServer(config, new InMemorySessionStore()).start();
    try {
      assertThat(server.purger()).isNull();
    } finally {
      server.stop();
    }
  }

  @Test
  void unavailableStoreIs503WithRetryAfter() throws IOException {
    var store = new ControllableStore();
    store.down = true;
    var config =
        DemoConfig.builder().port(0).captcha(DemoConfig.CaptchaMode.OFF).passwordIterations(1_000);
    var server = new DemoServer(config.build(), store).start();
    try {
      var login =
          harness.execute(
              new okhttp3.Request.Builder()
                  .url(server.baseUrl() + "/auth/login")
                  .post(
                      RequestBody.create(
                          "{\"username\":\"demo\",\"password\":\"demo-password\"}", Harness.JSON))
                  .build());
      assertThat(login.code()).isEqualTo(503);
      assertThat(login.header("Retry-After")).isEqualTo("1");
      assertThat(login.body())
          .isEqualTo(
              "{\"code\":503,\"error\":\"store_unavailable\","
                  + "\"message\":\"Sessions are unavailable. Try again.\"}");
    } finally {
      server.stop();
    }
  }

  /** An in-memory store that can fail on demand and records its purges. */
  private static final class ControllableStore implements SessionStore {
    final InMemorySessionStore delegate = new InMemorySessionStore();
    final BlockingQueue<Instant> purges = new LinkedBlockingQueue<>();
    volatile boolean down;
    volatile boolean failNextPurge;
    volatile boolean closed;

    private void check() {
      if (down) throw new SessionStoreException("down", new java.sql.SQLException("x", "08006"));
    }

    @Override
    public void create(Session session) {
      check();
      delegate.create(session);
    }

    @Override
    public Optional<Session> findActive(String sid, Instant now) {
      check();
      return delegate.findActive(sid, now);
    }

    @Override
    public Rotation rotate(
        String sid,
        String presentedJti,
        long presentedGeneration,
        String newJti,
        Instant now,
        Duration grace) {
      check();
      return delegate.rotate(sid, presentedJti, presentedGeneration, newJti, now, grace);
    }

    @Override
    public boolean revoke(String sid) {
      check();
      return delegate.revoke(sid);
    }

    @Override
    public int activeCount(Instant now) {
      check();
      return delegate.activeCount(now);
    }

    @Override
    public int purge(Instant now) {
      purges.add(now);
      if (failNextPurge) {
        failNextPurge = false;
        throw new SessionStoreException("purge failed", null);
      }
      return delegate.purge(now);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /**
   * Opens {@code n} connections that each send a request line and one header, then nothing more:
   * clients that send their headers slowly. The caller closes them.
   */
  private static List<Socket> slowClients(Harness harness, int n) throws IOException {
    var sockets = new ArrayList<Socket>();
    for (int i = 0; i < n; i++) {
      var socket = new Socket("127.0.0.1", harness.server.port());
      sockets.add(socket);
      var out = socket.getOutputStream();
      out.write("GET /healthz HTTP/1.1\r\nHost: slow\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
    return sockets;
  }

  @Test
  @Timeout(60)
  void slowClientsHoldingMoreConnectionsThanWorkersDoNotStallOtherRequests() throws Exception {
    var slow = slowClients(harness, 24); // three times the harness's 8 workers
    try {
      assertThat(harness.get("/healthz").code()).isEqualTo(200);
      var pair = harness.login();
      assertThat(harness.refresh(pair.refreshToken()).code()).isEqualTo(200);
    } finally {
      for (var socket : slow) socket.close();
    }
  }

  @Test
  @Timeout(60)
  void requestsBeyondTheWorkersAndTheirQueueGet503AtOnce() throws Exception {
    harness.close();
    var entered = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    UnaryOperator<UserDirectory.Verifier> held =
        real ->
            (password, stored) -> {
              entered.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return real.verify(password, stored);
            };
    int queue = 4;
    harness = new Harness(b -> b.threads(1).queuedRequests(queue), held);
    var pool = Executors.newFixedThreadPool(1 + queue);
    try {
      var login = pool.submit(() -> harness.loginAnswer("demo", "demo-password").code());
      entered.await();
      var queued = new ArrayList<Future<Integer>>();
      for (int i = 0; i < queue; i++) {
        queued.add(pool.submit(() -> harness.get("/healthz").code()));
      }
      while (harness.server.queuedRequests() < queue) Thread.yield();

      var busy = harness.get("/healthz");
      assertThat(busy.code()).isEqualTo(503);
      assertThat(busy.header("Retry-After")).isEqualTo("1");
      assertThat(busy.json().get("error").asText()).isEqualTo("server_busy");
      var busyToken =
          harness.execute(
              harness
                  .request("/oauth/token")
                  .post(
                      RequestBody.create(
                          "grant_type=refresh_token&refresh_token=x",
                          MediaType.get("application/x-www-form-urlencoded")))
                  .build());
      assertThat(busyToken.code()).isEqualTo(503);
      assertThat(busyToken.json().get("error").asText()).isEqualTo("temporarily_unavailable");

      release.countDown();
      assertThat(login.get(30, TimeUnit.SECONDS)).isEqualTo(200);
      for (var f : queued) assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(200);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void healthzAnswersOk() {
    var health = harness.get("/healthz");
    assertThat(health.code()).isEqualTo(200);
    assertThat(health.body())
        .isEqualTo("{\"code\":0,\"message\":\"ok\",\"data\":{\"status\":\"up\"}}");
  }

  @Test
  void metricsAreInPrometheusTextFormat() {
    harness.login();
    harness.loginAnswer("demo", "wrong");
    var metrics = harness.get("/metrics");
    assertThat(metrics.code()).isEqualTo(200);
    assertThat(metrics.header("Content-Type"))
        .isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    assertThat(metrics.body())
        .contains("tokenpair_login_total{outcome=\"ok\"} 1\n")
        .contains("tokenpair_login_total{outcome=\"invalid_credentials\"} 1\n")
        .contains("tokenpair_refresh_total{outcome=\"ok\"} 0\n")
        .contains("tokenpair_active_sessions 1\n")
        .contains("tokenpair_http_request_duration_seconds_count{route=\"login\"} 2\n");
  }

  @Test
  void eachRequestIsCountedBeforeItsAnswerIsRead() {
    // The answer to a request reaches the client only after the request was observed: a read of
    // /metrics right after it always counts it (the body used to be flushed before the count).
    for (int i = 1; i <= 30; i++) {
      assertThat(harness.get("/healthz").code()).isEqualTo(200);
      assertThat(harness.get("/metrics").body())
          .contains("tokenpair_http_request_duration_seconds_count{route=\"healthz\"} " + i + "\n");
    }
  }

  @Test
  void unknownPathIs404Envelope() {
    var answer = harness.get("/nope");
    assertThat(answer.code()).isEqualTo(404);
    assertThat(answer.body())
        .isEqualTo("{\"code\":404,\"error\":\"not_found\",\"message\":\"No such endpoint.\"}");
  }

  @Test
  void wrongMethodIs405WithAllow() {
    var post =
        harness.execute(
            harness.request("/api/me").post(RequestBody.create("{}", Harness.JSON)).build());
    assertThat(post.code()).isEqualTo(405);
    assertThat(post.header("Allow")).isEqualTo("GET");
  }

  @Test
  void malformedJsonIs400() {
    var answer = postLogin(RequestBody.create("{\"username\": ", Harness.JSON));
    assertThat(answer.code()).isEqualTo(400);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":400,\"error\":\"invalid_request\",\"message\":\"The request body is not"
                + " valid JSON.\"}");
  }

  @Test
  void jsonThatIsNotAnObjectIs400() {
    for (var body : new String[] {"[]", "\"x\"", "null", ""}) {
      assertThat(postLogin(RequestBody.create(body, Harness.JSON)).code()).as(body).isEqualTo(400);
    }
  }

  @Test
  void trailingGarbageAndDuplicateKeysAre400() {
    var trailing = "{\"username\":\"demo\",\"password\":\"demo-password\"} x";
    var duplicate = "{\"username\":\"demo\",\"username\":\"x\",\"password\":\"demo-password\"}";
    assertThat(postLogin(RequestBody.create(trailing, Harness.JSON)).code()).isEqualTo(400);
    assertThat(postLogin(RequestBody.create(duplicate, Harness.JSON)).code()).isEqualTo(400);
  }

  @Test
  void nonStringFieldIs400() {
    var answer = postLogin(RequestBody.create("{\"username\":1,\"password\":\"x\"}", Harness.JSON));
    assertThat(answer.code()).isEqualTo(400);
    assertThat(answer.json().get("message").asText())
        .isEqualTo("The field username must be a string.");
  }

  @Test
  void wrongContentTypeIs415() {
    var answer =
        postLogin(
            RequestBody.create(
                "username=demo&password=demo-password",
                MediaType.get("application/x-www-form-urlencoded")));
    assertThat(answer.code()).isEqualTo(415);
    assertThat(answer.json().get("error").asText()).isEqualTo("unsupported_media_type");
  }

  @Test
  void bodyOver16KibIs413() {
    var big = "{\"username\":\"" + "a".repeat(16 * 1024) + "\",\"password\":\"x\"}";
    var answer = postLogin(RequestBody.create(big, Harness.JSON));
    assertThat(answer.code()).isEqualTo(413);
    assertThat(answer.json().get("error").asText()).isEqualTo("payload_too_large");
  }

  @Test
  void bodyOf16KibExactlyIsRead() {
    var prefix = "{\"username\":\"demo\",\"password\":\"";
    var suffix = "\"}";
    var padded = prefix + "p".repeat(16 * 1024 - prefix.length() - suffix.length()) + suffix;
    assertThat(padded).hasSize(16 * 1024);
    assertThat(postLogin(RequestBody.create(padded, Harness.JSON)).code()).isEqualTo(401);
  }

  @Test
  void preflightFromAnAllowedOriginIsAnswered() {
    var answer =
        harness.execute(
            harness
                .request("/auth/refresh")
                .method("OPTIONS", null)
                .header("Origin", "http://localhost:5173")
                .header("Access-Control-Request-Method", "POST")
                .build());
    assertThat(answer.code()).isEqualTo(204);
    assertThat(answer.header("Access-Control-Allow-Origin")).isEqualTo("http://localhost:5173");
    assertThat(answer.header("Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(answer.header("Access-Control-Allow-Methods")).isEqualTo("POST, OPTIONS");
    assertThat(answer.header("Access-Control-Allow-Headers"))
        .isEqualTo("Authorization, Content-Type, DPoP");
    assertThat(answer.header("Vary")).isEqualTo("Origin");
  }

  @Test
  void preflightFromAForeignOriginIs403WithoutCorsHeaders() {
    var answer =
        harness.execute(
            harness
                .request("/api/me")
                .method("OPTIONS", null)
                .header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "GET")
                .build());
    assertThat(answer.code()).isEqualTo(403);
    assertThat(answer.header("Access-Control-Allow-Origin")).isNull();
    assertThat(answer.header("Access-Control-Allow-Credentials")).isNull();
  }

  @Test
  void arbitraryOriginIsNeverEchoed() {
    var pair = harness.login();
    var answer =
        harness.execute(
            harness
                .request("/api/me")
                .header("Authorization", "Bearer " + pair.accessToken())
                .header("Origin", "https://evil.example")
                .build());
    assertThat(answer.code()).isEqualTo(200);
    assertThat(answer.header("Access-Control-Allow-Origin")).isNull();
    assertThat(answer.header("Vary")).isEqualTo("Origin");
  }

  @Test
  void foreignOriginCannotLogIn() {
    var answer =
        harness.execute(
            harness
                .request("/auth/login")
                .header("Origin", "null")
                .post(
                    RequestBody.create(
                        "{\"username\":\"demo\",\"password\":\"demo-password\"}", Harness.JSON))
                .build());
    assertThat(answer.code()).isEqualTo(403);
    assertThat(answer.header("Set-Cookie")).isNull();
  }
}
