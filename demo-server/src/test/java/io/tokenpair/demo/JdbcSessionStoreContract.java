package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.demo.SessionStore.Outcome;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract on {@link JdbcSessionStore}, plus what only a shared database can show: sessions
 * outlive the store that wrote them, and instances on one database rotate atomically together.
 */
abstract class JdbcSessionStoreContract extends SessionStoreContract {

  /** Where the store lives; the same database on every call. */
  abstract StoreSpec spec();

  /** Another instance on the same database, as a second server would open it. */
  JdbcSessionStore openAnother() {
    return JdbcSessionStore.open(spec());
  }

  @Override
  int storedRows() throws Exception {
    try (var c = DriverManager.getConnection(spec().jdbcUrl());
        var s = c.createStatement();
        var rs = s.executeQuery("SELECT COUNT(*) FROM " + JdbcSessionStore.SESSIONS)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void sessionsOutliveTheStoreThatWroteThem() {
    startSession();
    store.rotate("s1", "j1", 0, "j2", T0, NO_GRACE);
    store.close();
    try (var reopened = openAnother()) {
      var found = reopened.findActive("s1", T0).orElseThrow();
      assertThat(found.currentJti()).isEqualTo("j2");
      assertThat(found.generation()).isEqualTo(1);
      assertThat(found.previousJti()).isEqualTo("j1");
      assertThat(reopened.rotate("s1", "j1", 0, "j3", T0, NO_GRACE).outcome())
          .isEqualTo(Outcome.REUSE_DETECTED);
    }
  }

  /** The earlier schema, which kept every spent jti, as its stores created it. */
  static final String[] EARLIER_SCHEMA = {
    "CREATE TABLE tokenpair_session (sid VARCHAR(255) NOT NULL PRIMARY KEY,"
        + " subject VARCHAR(255) NOT NULL, username VARCHAR(255) NOT NULL,"
        + " expires_at BIGINT NOT NULL, current_jti VARCHAR(255) NOT NULL,"
        + " previous_jti VARCHAR(255), rotated_at BIGINT,"
        + " revoked BOOLEAN NOT NULL DEFAULT FALSE)",
    "CREATE INDEX tokenpair_session_expires_at ON tokenpair_session (expires_at)",
    "CREATE TABLE tokenpair_used_jti (sid VARCHAR(255) NOT NULL, jti VARCHAR(255) NOT NULL,"
        + " used_at BIGINT NOT NULL, PRIMARY KEY (sid, jti))"
  };

  /**
   * Replaces the store's tables by the earlier schema holding session "old" (rotated 3 times: o0,
   * o1, o2 spent, o3 current, o2 rotated at T0) and session "new" (never rotated).
   */
  void writeEarlierSchema() throws Exception {
    store.close();
    store = null;
    long exp = T0.plus(LIFE).toEpochMilli();
    try (var c = DriverManager.getConnection(spec().jdbcUrl());
        var s = c.createStatement()) {
      s.execute("DROP TABLE " + JdbcSessionStore.SESSIONS);
      for (var sql : EARLIER_SCHEMA) s.execute(sql);
      s.execute(
          "INSERT INTO tokenpair_session VALUES ('old', '1', 'demo', "
              + exp
              + ", 'o3', 'o2', "
              + T0.toEpochMilli()
              + ", FALSE)");
      s.execute(
          "INSERT INTO tokenpair_session VALUES ('new', '1', 'demo', "
              + exp
              + ", 'n0',"
              + " NULL, NULL, FALSE)");
      for (var jti : new String[] {"o0", "o1", "o2"}) {
        s.execute("INSERT INTO tokenpair_used_jti VALUES ('old', '" + jti + "', 0)");
      }
    }
  }

  @Test
  void openingTheEarlierSchemaMigratesItsSessionsToGenerations() throws Exception {
    writeEarlierSchema();
    store = openAnother();
    assertThat(store.findActive("old", T0))
        .contains(new Session("old", "1", "demo", T0.plus(LIFE), "o3", 3, "o2", T0));
    assertThat(store.findActive("new", T0).orElseThrow().generation()).isZero();
    assertThat(storedRows()).isEqualTo(2);
    try (var c = DriverManager.getConnection(spec().jdbcUrl());
        var tables =
            c.getMetaData().getTables(null, null, JdbcSessionStore.LEGACY_USED_JTIS, null)) {
      assertThat(tables.next()).as("the table of spent jtis is dropped").isFalse();
    }
  }

  @Test
  void migratedFamilyRotatesItsEarlierTokensAndDetectsTheirReuse() throws Exception {
    writeEarlierSchema();
    store = openAnother();
    var unknown = SessionStore.UNKNOWN_GENERATION;
    assertThat(store.rotate("old", "o2", unknown, "x", T0, Duration.ofSeconds(5)).outcome())
        .isEqualTo(Outcome.GRACE);
    var rotation = store.rotate("old", "o3", unknown, "o4", T0, NO_GRACE);
    assertThat(rotation.outcome()).isEqualTo(Outcome.ROTATED);
    assertThat(rotation.session().generation()).isEqualTo(4);
    assertThat(store.rotate("old", "o4", 4, "o5", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.ROTATED);
    assertThat(store.rotate("old", "o1", unknown, "x", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REUSE_DETECTED);
    assertThat(store.rotate("new", "n0", unknown, "n1", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.ROTATED);
  }

  @Test
  @Timeout(60)
  void instancesOpeningTheEarlierSchemaTogetherMigrateItOnce() throws Exception {
    writeEarlierSchema();
    int n = 4;
    var barrier = new CyclicBarrier(n);
    var pool = Executors.newFixedThreadPool(n);
    var opened = new ArrayList<Future<JdbcSessionStore>>();
    try {
      for (int i = 0; i < n; i++) {
        opened.add(
            pool.submit(
                () -> {
                  barrier.await();
                  return openAnother();
                }));
      }
      for (var f : opened) {
        try (var instance = f.get(50, TimeUnit.SECONDS)) {
          assertThat(instance.findActive("old", T0).orElseThrow().generation()).isEqualTo(3);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aMigratedDatabaseOpensAgainUnchanged() throws Exception {
    writeEarlierSchema();
    store = openAnother();
    try (var again = openAnother()) {
      assertThat(again.findActive("old", T0).orElseThrow().generation()).isEqualTo(3);
    }
  }

  @Test
  void openingAnExistingDatabaseKeepsItsSchemaAndRows() {
    startSession();
    try (var second = openAnother();
        var third = openAnother()) {
      assertThat(third.activeCount(T0)).isEqualTo(1);
      assertThat(second.findActive("s1", T0)).isPresent();
    }
  }

  @Test
  @Timeout(60)
  void concurrentRotationsSpreadOverTwoInstancesHaveExactlyOneWinner() throws Exception {
    startSession();
    try (var other = openAnother()) {
      var outcomes = raceRotations(16, i -> i % 2 == 0 ? store : other);
      assertThat(outcomes).filteredOn(o -> o == Outcome.ROTATED).hasSize(1);
      assertThat(outcomes).filteredOn(o -> o == Outcome.REUSE_DETECTED).hasSize(1);
      assertThat(outcomes).filteredOn(o -> o == Outcome.REJECTED).hasSize(16 - 2);
      assertThat(other.findActive("s1", T0)).isEmpty();
    }
  }

  @Test
  @Timeout(60)
  void busyWritersOnTwoInstancesAllSucceed() throws Exception {
    int threads = 8;
    int rotations = 15;
    var barrier = new CyclicBarrier(threads);
    var pool = Executors.newFixedThreadPool(threads);
    try (var other = openAnother()) {
      var futures = new ArrayList<Future<?>>();
      for (int t = 0; t < threads; t++) {
        var sid = "busy-" + t;
        var target = t % 2 == 0 ? store : other;
        futures.add(
            pool.submit(
                () -> {
                  barrier.await();
                  target.create(Session.start(sid, "1", "demo", T0.plus(LIFE), sid + "-j0"));
                  for (int r = 0; r < rotations; r++) {
                    var rotation =
                        target.rotate(
                            sid, sid + "-j" + r, r, sid + "-j" + (r + 1), T0, Duration.ZERO);
                    assertThat(rotation.outcome()).isEqualTo(Outcome.ROTATED);
                    assertThat(target.findActive(sid, T0)).isPresent();
                  }
                  return null;
                }));
      }
      for (var f : futures) f.get(50, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.activeCount(T0)).isEqualTo(threads);
    assertThat(storedRows()).isEqualTo(threads);
  }
}
