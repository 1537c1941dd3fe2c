package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.demo.SessionStore.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class InMemorySessionStoreTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final Duration NO_GRACE = Duration.ZERO;

  private final InMemorySessionStore store = new InMemorySessionStore();

  private void startSession() {
    store.create(Session.start("s1", "1", "demo", T0.plus(Duration.ofDays(15)), "j1"));
  }

  @Test
  void rotationConsumesTheCurrentJtiAndMakesTheNewOneCurrent() {
    startSession();
    var rotation = store.rotate("s1", "j1", "j2", T0, NO_GRACE);
    assertThat(rotation.outcome()).isEqualTo(Outcome.ROTATED);
    assertThat(rotation.session().currentJti()).isEqualTo("j2");
    assertThat(rotation.session().usedJtis()).containsExactly("j1");
  }

  @Test
  void rotationKeepsTheFamilyExpiry() {
    startSession();
    var rotation = store.rotate("s1", "j1", "j2", T0.plus(Duration.ofDays(3)), NO_GRACE);
    assertThat(rotation.session().expiresAt()).isEqualTo(T0.plus(Duration.ofDays(15)));
  }

  @Test
  void reusedJtiRevokesTheFamilyAndSession() {
    startSession();
    store.rotate("s1", "j1", "j2", T0, NO_GRACE);
    var replay = store.rotate("s1", "j1", "j3", T0.plusSeconds(1), NO_GRACE);
    assertThat(replay.outcome()).isEqualTo(Outcome.REUSE_DETECTED);
    assertThat(store.findActive("s1", T0)).isEmpty();
    assertThat(store.rotate("s1", "j2", "j4", T0, NO_GRACE).outcome()).isEqualTo(Outcome.REJECTED);
  }

  @Test
  void predecessorWithinGraceIsAnsweredWithoutRevoking() {
    startSession();
    store.rotate("s1", "j1", "j2", T0, Duration.ofSeconds(10));
    var retry = store.rotate("s1", "j1", "j3", T0.plusSeconds(10), Duration.ofSeconds(10));
    assertThat(retry.outcome()).isEqualTo(Outcome.GRACE);
    assertThat(retry.session().currentJti()).isEqualTo("j2");
    assertThat(store.findActive("s1", T0)).isPresent();
  }

  @Test
  void predecessorAfterGraceIsReuse() {
    startSession();
    store.rotate("s1", "j1", "j2", T0, Duration.ofSeconds(10));
    var late = store.rotate("s1", "j1", "j3", T0.plusSeconds(11), Duration.ofSeconds(10));
    assertThat(late.outcome()).isEqualTo(Outcome.REUSE_DETECTED);
  }

  @Test
  void olderThanPredecessorIsReuseEvenWithinGrace() {
    startSession();
    store.rotate("s1", "j1", "j2", T0, Duration.ofSeconds(10));
    store.rotate("s1", "j2", "j3", T0, Duration.ofSeconds(10));
    var old = store.rotate("s1", "j1", "j4", T0, Duration.ofSeconds(10));
    assertThat(old.outcome()).isEqualTo(Outcome.REUSE_DETECTED);
  }

  @Test
  void unknownJtiIsRejectedWithoutRevoking() {
    startSession();
    assertThat(store.rotate("s1", "never-issued", "j2", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(store.findActive("s1", T0)).isPresent();
  }

  @Test
  void expiredFamilyIsRejectedAndNoLongerCounted() {
    startSession();
    var end = T0.plus(Duration.ofDays(15));
    assertThat(store.activeCount(end.minusSeconds(1))).isEqualTo(1);
    assertThat(store.rotate("s1", "j1", "j2", end, NO_GRACE).outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(store.activeCount(end)).isZero();
  }

  @Test
  void revokeEndsTheSessionOnce() {
    startSession();
    assertThat(store.revoke("s1")).isTrue();
    assertThat(store.revoke("s1")).isFalse();
    assertThat(store.findActive("s1", T0)).isEmpty();
  }

  @Test
  @Timeout(10)
  void concurrentRotationsOfOneJtiHaveExactlyOneWinner() throws Exception {
    startSession();
    int n = 16;
    var barrier = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      var futures = new ArrayList<Future<Outcome>>();
      for (int i = 0; i < n; i++) {
        var newJti = "next-" + i;
        futures.add(
            pool.submit(
                () -> {
                  barrier.await();
                  return store.rotate("s1", "j1", newJti, T0, NO_GRACE).outcome();
                }));
      }
      var outcomes = new ArrayList<Outcome>();
      for (var f : futures) outcomes.add(f.get(5, TimeUnit.SECONDS));
      assertThat(outcomes).filteredOn(o -> o == Outcome.ROTATED).hasSize(1);
      assertThat(outcomes).filteredOn(o -> o == Outcome.REUSE_DETECTED).hasSize(1);
      assertThat(outcomes).filteredOn(o -> o == Outcome.REJECTED).hasSize(n - 2);
    } finally {
      pool.shutdownNow();
    }
  }
}
