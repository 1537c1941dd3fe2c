package io.tokenpair.mockwebserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The scripting and waiting hooks, with a plain OkHttpClient that handles the cookie by hand. */
@Timeout(10)
final class TokenServerDispatcherHooksTest {
  @StartStop public final MockWebServer server = new MockWebServer();

  /** No silent retry: a cut connection reaches the test as an IOException. */
  private final OkHttpClient client =
      new OkHttpClient.Builder().retryOnConnectionFailure(false).build();

  private final ExecutorService callers = Executors.newCachedThreadPool();
  private TokenServerDispatcher tokens = TokenServerDispatcher.builder().sequentialTokens().build();

  @BeforeEach
  void setUp() {
    server.setDispatcher(tokens);
  }

  @AfterEach
  void tearDown() {
    tokens.releaseRefreshes();
    callers.shutdownNow();
  }

  private void use(TokenServerDispatcher dispatcher) {
    tokens = dispatcher;
    server.setDispatcher(dispatcher);
  }

  private Response refresh(String rt) throws IOException {
    Request request =
        new Request.Builder()
            .url(server.url("/auth/refresh"))
            .header("Cookie", "rt=" + rt)
            .post(RequestBody.create(new byte[0]))
            .build();
    return client.newCall(request).execute();
  }

  private int refreshStatus(String rt) throws IOException {
    try (Response response = refresh(rt)) {
      return response.code();
    }
  }

  private Response get(String path, String accessToken) throws IOException {
    return client
        .newCall(
            new Request.Builder()
                .url(server.url(path))
                .header("Authorization", "Bearer " + accessToken)
                .build())
        .execute();
  }

  private void login() throws IOException {
    Request request =
        new Request.Builder()
            .url(server.url("/auth/login"))
            .post(
                RequestBody.create(
                    "{\"username\":\"demo\",\"password\":\"demo-password\"}",
                    MediaType.get("application/json")))
            .build();
    try (Response response = client.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
  }

  /** Starts {@code n} copies of {@code task} released together by a barrier. */
  private List<Future<Integer>> together(int n, Callable<Integer> task) {
    CyclicBarrier barrier = new CyclicBarrier(n);
    List<Future<Integer>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      results.add(
          callers.submit(
              () -> {
                barrier.await();
                return task.call();
              }));
    }
    return results;
  }

  @Test
  void sequentialTokensAreNumberedInIssueOrder() throws IOException {
    login();
    assertThat(tokens.lastIssuedAccessToken()).matches("[^.]+\\.[^.]+\\.[^.]+");
    try (Response response = refresh("refresh-1")) {
      assertThat(response.header("Set-Cookie")).startsWith("rt=refresh-2; ");
    }
    use(TokenServerDispatcher.builder().sequentialTokens().opaqueAccessTokens().build());
    login();
    assertThat(tokens.lastIssuedAccessToken()).isEqualTo("access-1");
  }

  @Test
  void heldRefreshHasRotatedBeforeItsAnswerIsReleased() throws Exception {
    login();
    String before = tokens.lastIssuedAccessToken();
    tokens.holdRefreshes();
    Future<Integer> pending = callers.submit(() -> refreshStatus("refresh-1"));
    assertThat(tokens.awaitRefreshes(1, 5, TimeUnit.SECONDS)).isTrue();
    assertThat(tokens.lastIssuedAccessToken()).isNotEqualTo(before); // Rotated on arrival.
    assertThat(pending).isNotDone();
    assertThat(tokens.awaitRefreshes(2, 10, TimeUnit.MILLISECONDS)).isFalse();

    tokens.releaseRefreshes();
    assertThat(pending.get()).isEqualTo(200);
    assertThat(refreshStatus("refresh-2")).isEqualTo(200); // Released: no longer held.
  }

  @Test
  void heldConcurrentRefreshesWithOneTokenRotateOnceAndDetectTheRest() throws Exception {
    login();
    tokens.holdRefreshes();
    int n = 4;
    List<Future<Integer>> results = together(n, () -> refreshStatus("refresh-1"));
    assertThat(tokens.awaitRefreshes(n, 5, TimeUnit.SECONDS)).isTrue();
    tokens.releaseRefreshes();

    List<Integer> codes = new ArrayList<>();
    for (Future<Integer> result : results) codes.add(result.get());
    assertThat(codes).containsOnly(200, 401).filteredOn(code -> code == 200).hasSize(1);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(1); // The others met an ended session.
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
  }

  @Test
  void failNextRefreshQueuesTransientFailuresThatKeepTheSession() throws IOException {
    login();
    tokens.failNextRefresh(503);
    tokens.failNextRefresh(500);
    try (Response response = refresh("refresh-1")) {
      assertThat(response.code()).isEqualTo(503);
      assertThat(response.header("Retry-After")).isEqualTo("1");
      assertThat(response.header("Set-Cookie")).isNull();
      assertThat(response.body().string()).contains("\"error\":\"store_unavailable\"");
    }
    try (Response response = refresh("refresh-1")) {
      assertThat(response.code()).isEqualTo(500);
      assertThat(response.body().string()).contains("\"error\":\"internal_error\"");
    }
    assertThat(refreshStatus("refresh-1")).isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(3);
    assertThatThrownBy(() -> tokens.failNextRefresh(302))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an error status: 302");
  }

  @Test
  void failNextRefreshAnswersEachStatusAsTheDemoServerDoes() throws IOException {
    login();
    tokens.failNextRefresh(429);
    tokens.failNextRefresh(502);
    tokens.failNextRefresh(404);
    assertScriptedFailure(
        429, "1", "too_many_attempts\",\"message\":\"Too many requests. Try again later.");
    assertScriptedFailure(
        502, "1", "store_unavailable\",\"message\":\"Sessions are unavailable. Try again.");
    assertScriptedFailure(404, null, "not_found\",\"message\":\"No such endpoint.");
    assertThat(refreshStatus("refresh-1")).isEqualTo(200);
  }

  /** The next refresh answers {@code status} with this body's error and message, no cookie. */
  private void assertScriptedFailure(int status, String retryAfter, String errorAndMessage)
      throws IOException {
    try (Response response = refresh("refresh-1")) {
      assertThat(response.code()).isEqualTo(status);
      assertThat(response.header("Retry-After")).isEqualTo(retryAfter);
      assertThat(response.header("Set-Cookie")).isNull();
      assertThat(response.body().string())
          .isEqualTo("{\"code\":" + status + ",\"error\":\"" + errorAndMessage + "\"}");
    }
  }

  @Test
  void scriptsQueuedFromManyThreadsAreEachTakenByOneRefresh() throws Exception {
    login();
    int n = 8;
    List<Future<Integer>> results =
        together(
            n,
            () -> {
              tokens.failNextRefresh(503);
              return refreshStatus("refresh-1");
            });
    for (Future<Integer> result : results) assertThat(result.get()).isEqualTo(503);
    assertThat(refreshStatus("refresh-1")).isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(n + 1);
  }

  @Test
  void disconnectedRefreshIsNotPerformed() throws IOException {
    login();
    tokens.disconnectNextRefresh();
    assertThatThrownBy(() -> refresh("refresh-1")).isInstanceOf(IOException.class);
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(refreshStatus("refresh-1")).isEqualTo(200); // Not consumed: no reuse.
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0);
  }

  @Test
  void droppedAnswerRotatedSoItsRetryIsReuseWithoutGrace() throws IOException {
    login();
    tokens.dropNextRefreshAnswer();
    assertThatThrownBy(() -> refresh("refresh-1")).isInstanceOf(IOException.class);
    try (Response response = refresh("refresh-1")) {
      assertThat(response.code()).isEqualTo(401);
      assertThat(response.body().string()).contains("\"error\":\"refresh_token_reused\"");
    }
    assertThat(tokens.reuseDetectedCount()).isEqualTo(1);
    assertThat(tokens.activeSessionCount()).isEqualTo(0);
  }

  @Test
  void droppedAnswerIsRecoveredByARetryWithinTheGrace() throws IOException {
    use(
        TokenServerDispatcher.builder()
            .sequentialTokens()
            .rotationGrace(30, TimeUnit.SECONDS)
            .build());
    login();
    tokens.dropNextRefreshAnswer();
    assertThatThrownBy(() -> refresh("refresh-1")).isInstanceOf(IOException.class);
    try (Response response = refresh("refresh-1")) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.header("Set-Cookie")).startsWith("rt=refresh-3; ");
    }
    assertThat(tokens.graceRetryCount()).isEqualTo(1);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0);
    assertThat(refreshStatus("refresh-3")).isEqualTo(200); // The current jti, reissued.
  }

  @Test
  void awaitExpiredCountWaitsForEveryExpiredAnswer() throws Exception {
    login();
    String token = tokens.lastIssuedAccessToken();
    tokens.expireAccessTokens();
    int n = 4;
    List<Future<Integer>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      results.add(
          callers.submit(
              () -> {
                try (Response response = get("/api/me", token)) {
                  return response.code();
                }
              }));
    }
    assertThat(tokens.awaitExpiredCount(n, 5, TimeUnit.SECONDS)).isTrue();
    assertThat(tokens.awaitExpiredCount(n + 1, 10, TimeUnit.MILLISECONDS)).isFalse();
    for (Future<Integer> result : results) assertThat(result.get()).isEqualTo(401);
    assertThat(tokens.expiredCount()).isEqualTo(n);
  }

  @Test
  void cookieIsSecureBehindATlsProxyAndPathFollowsTheAuthPaths() throws IOException {
    use(
        TokenServerDispatcher.builder()
            .paths("/v1/auth/token", "/v1/auth/token/refresh", "/v1/auth/logout")
            .build());
    Request request =
        new Request.Builder()
            .url(server.url("/v1/auth/token"))
            .header("X-Forwarded-Proto", "https")
            .post(
                RequestBody.create(
                    "{\"username\":\"demo\",\"password\":\"demo-password\"}",
                    MediaType.get("application/json")))
            .build();
    try (Response response = client.newCall(request).execute()) {
      assertThat(response.header("Set-Cookie"))
          .matches(
              "rt=rt-[0-9a-f]{24}; Path=/v1/auth; HttpOnly; SameSite=Strict; Max-Age=1296000; Secure");
    }
    assertThat(TokenServerDispatcher.commonDirectory("/login", "/refresh", "/logout"))
        .isEqualTo("/");
  }
}
