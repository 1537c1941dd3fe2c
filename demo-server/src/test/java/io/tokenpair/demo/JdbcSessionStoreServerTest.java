package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real servers on a durable store: sessions survive a restart, and instances sharing one database
 * rotate each refresh token once between them.
 */
class JdbcSessionStoreServerTest {
  @TempDir Path dir;
  private final List<Harness> harnesses = new ArrayList<>();

  @AfterEach
  void stopAll() {
    harnesses.forEach(Harness::close);
  }

  /** A server started from {@code --store VALUE}, with the test secrets shared by all of them. */
  private Harness start(String storeFlag) {
    var store = ConfigParser.parse(new String[] {"--store", storeFlag}, Map.of()).build().store();
    var harness = new Harness(b -> b.store(store));
    harnesses.add(harness);
    return harness;
  }

  private String sqliteFlag() {
    return "sqlite:" + dir.resolve("sessions.db");
  }

  @Test
  void sessionSurvivesARestartAndTheOldRtIsStillReuseOnTheNewInstance() {
    var first = start(sqliteFlag());
    var login = first.login();
    first.close();
    harnesses.remove(first);

    var second = start(sqliteFlag());
    var refreshed = second.refreshPair(login.refreshToken());
    assertThat(second.getWithBearer("/api/me", refreshed.accessToken()).code()).isEqualTo(200);
    assertThat(second.getWithBearer("/api/me", login.accessToken()).code())
        .as("the access token from before the restart names a live session")
        .isEqualTo(200);

    var replay = second.refresh(login.refreshToken());
    assertThat(replay.code()).isEqualTo(401);
    assertThat(replay.json().get("error").asText()).isEqualTo("refresh_token_reused");
    assertThat(second.refresh(refreshed.refreshToken()).code())
        .as("the family is revoked")
        .isEqualTo(401);
    assertThat(second.getWithBearer("/api/me", refreshed.accessToken()).code()).isEqualTo(401);
  }

  @Test
  @Timeout(60)
  void writesQueuedBehindAnOutsideLockEachFailWithinOneDeadline() throws Exception {
    var file = dir.resolve("sessions.db");
    var store = StoreSpec.sqlite(file);
    var harness = new Harness(b -> b.store(store).storeTimeout(Duration.ofSeconds(1)));
    harnesses.add(harness);
    int n = 8;
    var rts = new ArrayList<String>();
    for (int i = 0; i < n; i++) rts.add(harness.login().refreshToken());

    try (var outside = DriverManager.getConnection("jdbc:sqlite:" + file);
        var statement = outside.createStatement()) {
      statement.setQueryTimeout(30);
      statement.execute("BEGIN IMMEDIATE"); // another process holds SQLite's write lock
      var barrier = new CyclicBarrier(n);
      var pool = Executors.newFixedThreadPool(n);
      try {
        var futures = new ArrayList<Future<Harness.Answer>>();
        for (var rt : rts) {
          futures.add(
              pool.submit(
                  () -> {
                    barrier.await();
                    return harness.refresh(rt);
                  }));
        }
        // Queued one behind the other, the 8th would fail after 8 deadlines; each gets one.
        var answers = new ArrayList<Harness.Answer>();
        for (var f : futures) answers.add(f.get(4, TimeUnit.SECONDS));
        assertThat(answers).extracting(Harness.Answer::code).containsOnly(503);
        assertThat(answers)
            .extracting(a -> a.json().get("error").asText())
            .containsOnly("store_unavailable");
        assertThat(answers).extracting(a -> a.header("Retry-After")).containsOnly("1");
      } finally {
        pool.shutdownNow();
        statement.execute("ROLLBACK");
      }
    }
    assertThat(harness.refresh(rts.get(0)).code()).as("nothing was consumed").isEqualTo(200);
  }

  /** A server on the test's SQLite file with these users, name and password alternating. */
  private Harness startWithUsers(String... namesAndPasswords) {
    var harness =
        new Harness(
            b -> {
              b.store(StoreSpec.sqlite(dir.resolve("sessions.db")));
              for (int i = 0; i < namesAndPasswords.length; i += 2) {
                b.user(namesAndPasswords[i], namesAndPasswords[i + 1]);
              }
            });
    harnesses.add(harness);
    return harness;
  }

  private static String refreshTokenOf(Harness harness, String user, String password) {
    var answer = harness.loginAnswer(user, password);
    assertThat(answer.code()).isEqualTo(200);
    return answer.rtCookie();
  }

  private void stop(Harness harness) {
    harness.close();
    harnesses.remove(harness);
  }

  @Test
  void userIdsComeFromTheNameNotTheUsersPosition() {
    var first = startWithUsers("alice", "pw-a", "bob", "pw-b");
    var alice = JWT.decode(refreshTokenOf(first, "alice", "pw-a")).getSubject();
    stop(first);
    var second = startWithUsers("carol", "pw-c", "bob", "pw-b", "alice", "pw-a");
    assertThat(JWT.decode(refreshTokenOf(second, "alice", "pw-a")).getSubject()).isEqualTo(alice);
    assertThat(JWT.decode(refreshTokenOf(second, "carol", "pw-c")).getSubject())
        .isNotEqualTo(alice);
  }

  @Test
  void aSessionWhoseUserIsGoneEndsAtItsNextRefresh() {
    var first = startWithUsers("alice", "pw-a");
    var rt = refreshTokenOf(first, "alice", "pw-a");
    stop(first);
    var second = startWithUsers("carol", "pw-c");
    var refresh = second.refresh(rt);
    assertThat(refresh.code()).isEqualTo(401);
    assertThat(refresh.json().get("error").asText()).isEqualTo("invalid_refresh_token");
    assertThat(second.server.sessions().activeCount(second.clock.instant())).isZero();
  }

  @Test
  void aSessionWhoseUsersPasswordChangedEndsAtItsNextRefresh() {
    var first = startWithUsers("alice", "pw-a");
    var rt = refreshTokenOf(first, "alice", "pw-a");
    var rotated = first.refreshPair(rt).refreshToken();
    stop(first);
    var second = startWithUsers("alice", "new-password");
    assertThat(second.refresh(rotated).code()).isEqualTo(401);
    assertThat(second.server.sessions().activeCount(second.clock.instant())).isZero();
    var third = refreshTokenOf(second, "alice", "new-password");
    assertThat(second.refresh(third).code()).isEqualTo(200);
  }

  @Test
  void stopClosesTheStoreTheServerOpened() {
    var harness = start(sqliteFlag());
    var sessions = harness.server.sessions();
    harness.close();
    harnesses.remove(harness);
    assertThatThrownBy(() -> sessions.activeCount(java.time.Instant.EPOCH))
        .isInstanceOf(SessionStoreException.class)
        .hasMessage("The session store could not count sessions.");
  }

  @Test
  void logoutOnOneInstanceEndsTheSessionOnTheOther() {
    var a = start(sqliteFlag());
    var b = start(sqliteFlag());
    var pair = a.login();
    assertThat(b.getWithBearer("/api/me", pair.accessToken()).code()).isEqualTo(200);
    var logout =
        b.execute(
            b.request("/auth/logout")
                .header("Cookie", "rt=" + pair.refreshToken())
                .post(okhttp3.RequestBody.create(new byte[0]))
                .build());
    assertThat(logout.code()).isEqualTo(204);
    assertThat(a.getWithBearer("/api/me", pair.accessToken()).code()).isEqualTo(401);
  }

  @Test
  @Timeout(60)
  void racingRefreshesSpreadOverTwoSqliteInstancesGiveExactlyOne200() throws Exception {
    racingRefreshesGiveExactlyOne200(start(sqliteFlag()), start(sqliteFlag()));
  }

  @Test
  @Timeout(60)
  void racingRefreshesSpreadOverTwoPostgresInstancesGiveExactlyOne200() throws Exception {
    var url = PostgresTestDatabase.reachableAndEmpty().location();
    racingRefreshesGiveExactlyOne200(start(url), start(url));
  }

  @Test
  @Timeout(60)
  void refreshChainsAlternatingBetweenTwoSqliteInstancesNeverFail() throws Exception {
    var servers = List.of(start(sqliteFlag()), start(sqliteFlag()));
    int users = 6;
    int refreshes = 8;
    var rts = new ArrayList<String>();
    for (int u = 0; u < users; u++) rts.add(servers.get(u % 2).login().refreshToken());
    var barrier = new CyclicBarrier(users);
    var pool = Executors.newFixedThreadPool(users);
    try {
      var futures = new ArrayList<Future<List<Integer>>>();
      for (int u = 0; u < users; u++) {
        var first = rts.get(u);
        futures.add(
            pool.submit(
                () -> {
                  barrier.await();
                  var codes = new ArrayList<Integer>();
                  var rt = first;
                  for (int r = 0; r < refreshes; r++) {
                    var answer = servers.get(r % 2).refresh(rt);
                    codes.add(answer.code());
                    if (answer.code() != 200) break;
                    rt = answer.rtCookie();
                  }
                  return codes;
                }));
      }
      for (var f : futures) {
        assertThat(f.get(50, TimeUnit.SECONDS)).hasSize(refreshes).containsOnly(200);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void racingRefreshesGiveExactlyOne200(Harness a, Harness b) throws Exception {
    var rt = a.login().refreshToken();
    int n = 8;
    var barrier = new CyclicBarrier(n);
    var pool = Executors.newFixedThreadPool(n);
    try {
      var futures = new ArrayList<Future<Integer>>();
      for (int i = 0; i < n; i++) {
        var target = i % 2 == 0 ? a : b;
        futures.add(
            pool.submit(
                () -> {
                  barrier.await();
                  return target.refresh(rt).code();
                }));
      }
      var codes = new ArrayList<Integer>();
      for (var f : futures) codes.add(f.get(50, TimeUnit.SECONDS));
      assertThat(codes).filteredOn(c -> c == 200).hasSize(1);
      assertThat(codes).filteredOn(c -> c == 401).hasSize(n - 1);
    } finally {
      pool.shutdownNow();
    }
    var ma = a.server.metrics();
    var mb = b.server.metrics();
    assertThat(ma.refreshCount("ok") + mb.refreshCount("ok")).isEqualTo(1);
    assertThat(ma.refreshCount("reuse_detected") + mb.refreshCount("reuse_detected")).isEqualTo(1);
    assertThat(ma.refreshCount("rejected") + mb.refreshCount("rejected")).isEqualTo(n - 2);
  }
}
