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
        var rs =
            s.executeQuery(
                "SELECT (SELECT COUNT(*) FROM "
                    + JdbcSessionStore.SESSIONS
                    + ") + (SELECT COUNT(*) FROM "
                    + JdbcSessionStore.USED_JTIS
                    + ")")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void sessionsOutliveTheStoreThatWroteThem() {
    startSession();
    store.rotate("s1", "j1", "j2", T0, NO_GRACE);
    store.close();
    try (var reopened = openAnother()) {
      var found = reopened.findActive("s1", T0).orElseThrow();
      assertThat(found.currentJti()).isEqualTo("j2");
      assertThat(found.usedJtis()).containsExactly("j1");
      assertThat(reopened.rotate("s1", "j1", "j3", T0, NO_GRACE).outcome())
          .isEqualTo(Outcome.REUSE_DETECTED);
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
                        target.rotate(sid, sid + "-j" + r, sid + "-j" + (r + 1), T0, Duration.ZERO);
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
    assertThat(storedRows()).isEqualTo(threads * (1 + rotations));
  }
}
