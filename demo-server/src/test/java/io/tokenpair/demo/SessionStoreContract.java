package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenpair.demo.SessionStore.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link SessionStore} must do. Each implementation's test extends this class and says
 * how to open a fresh, empty store and how to count what it holds.
 */
abstract class SessionStoreContract {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  static final Duration NO_GRACE = Duration.ZERO;
  static final Duration LIFE = Duration.ofDays(15);

  SessionStore store;

  /** A fresh, empty store. */
  abstract SessionStore openEmptyStore() throws Exception;

  /** Rows (or entries) held, expired and revoked sessions included: one per session. */
  abstract int storedRows() throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = openEmptyStore();
  }

  @AfterEach
  void closeStore() {
    if (store != null) store.close(); // null when the test was skipped while opening it
  }

  void startSession() {
    store.create(Session.start("s1", "1", "demo", T0.plus(LIFE), "j1"));
  }

  @Test
  void createdSessionIsFoundWithEveryField() {
    startSession();
    var found = store.findActive("s1", T0).orElseThrow();
    assertThat(found).isEqualTo(new Session("s1", "1", "demo", T0.plus(LIFE), "j1", 0, null, null));
  }

  @Test
  void creatingAnExistingSessionIdFails() {
    startSession();
    assertThatThrownBy(startSessionAgain())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Session id already exists.");
    assertThat(store.findActive("s1", T0).orElseThrow().currentJti()).isEqualTo("j1");
  }

  private org.assertj.core.api.ThrowableAssert.ThrowingCallable startSessionAgain() {
    return () -> store.create(Session.start("s1", "2", "other", T0.plus(LIFE), "x1"));
  }

  @Test
  void unknownSessionIsNotFoundAndNotRotated() {
    assertThat(store.findActive("nope", T0)).isEmpty();
    var rotation = store.rotate("nope", "j1", 0, "j2", T0, NO_GRACE);
    assertThat(rotation.outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(rotation.session()).isNull();
  }

  @Test
  void rotationConsumesTheCurrentJtiAndMakesTheNewOneCurrent() {
    startSession();
    var rotation = store.rotate("s1", "j1", 0, "j2", T0, NO_GRACE);
    assertThat(rotation.outcome()).isEqualTo(Outcome.ROTATED);
    assertThat(rotation.session().currentJti()).isEqualTo("j2");
    assertThat(rotation.session().previousJti()).isEqualTo("j1");
    assertThat(rotation.session().rotatedAt()).isEqualTo(T0);
    assertThat(rotation.session().generation()).isEqualTo(1);
    assertThat(store.findActive("s1", T0)).contains(rotation.session());
  }

  @Test
  void rotationKeepsTheFamilyExpiry() {
    startSession();
    var rotation = store.rotate("s1", "j1", 0, "j2", T0.plus(Duration.ofDays(3)), NO_GRACE);
    assertThat(rotation.session().expiresAt()).isEqualTo(T0.plus(LIFE));
  }

  @Test
  void rotationsNeverExtendTheFamilyPastItsExpiry() {
    startSession();
    var end = T0.plus(LIFE);
    assertThat(store.rotate("s1", "j1", 0, "j2", end.minusSeconds(1), NO_GRACE).outcome())
        .isEqualTo(Outcome.ROTATED);
    assertThat(store.findActive("s1", end.minusSeconds(1))).isPresent();
    assertThat(store.findActive("s1", end)).isEmpty();
    assertThat(store.rotate("s1", "j2", 1, "j3", end, NO_GRACE).outcome())
        .isEqualTo(Outcome.REJECTED);
  }

  @Test
  void reusedJtiRevokesTheFamilyAndSession() {
    startSession();
    store.rotate("s1", "j1", 0, "j2", T0, NO_GRACE);
    var replay = store.rotate("s1", "j1", 0, "j3", T0.plusSeconds(1), NO_GRACE);
    assertThat(replay.outcome()).isEqualTo(Outcome.REUSE_DETECTED);
    assertThat(replay.session()).isNull();
    assertThat(store.findActive("s1", T0)).isEmpty();
    assertThat(store.rotate("s1", "j2", 1, "j4", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(store.activeCount(T0)).isZero();
  }

  @Test
  void reuseOfAnOlderJtiRevokesTheFamily() {
    startSession();
    store.rotate("s1", "j1", 0, "j2", T0, NO_GRACE);
    store.rotate("s1", "j2", 1, "j3", T0, NO_GRACE);
    store.rotate("s1", "j3", 2, "j4", T0, NO_GRACE);
    assertThat(store.rotate("s1", "j1", 0, "j5", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REUSE_DETECTED);
    assertThat(store.rotate("s1", "j4", 3, "j6", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REJECTED);
  }

  @Test
  void predecessorWithinGraceIsAnsweredWithoutRevoking() {
    startSession();
    store.rotate("s1", "j1", 0, "j2", T0, Duration.ofSeconds(10));
    var retry = store.rotate("s1", "j1", 0, "j3", T0.plusSeconds(10), Duration.ofSeconds(10));
    assertThat(retry.outcome()).isEqualTo(Outcome.GRACE);
    assertThat(retry.session().currentJti()).isEqualTo("j2");
    assertThat(store.findActive("s1", T0)).isPresent();
    assertThat(
            store.rotate("s1", "j2", 1, "j4", T0.plusSeconds(10), Duration.ofSeconds(10)).outcome())
        .isEqualTo(Outcome.ROTATED);
  }

  @Test
  void predecessorAfterGraceIsReuse() {
    startSession();
    store.rotate("s1", "j1", 0, "j2", T0, Duration.ofSeconds(10));
    var late = store.rotate("s1", "j1", 0, "j3", T0.plusSeconds(11), Duration.ofSeconds(10));
    assertThat(late.outcome()).isEqualTo(Outcome.REUSE_DETECTED);
    assertThat(store.findActive("s1", T0)).isEmpty();
  }

  @Test
  void predecessorWithoutGraceIsReuseEvenAtTheSameInstant() {
    startSession();
    store.rotate("s1", "j1", 0, "j2", T0, NO_GRACE);
    assertThat(store.rotate("s1", "j1", 0, "j3", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REUSE_DETECTED);
  }

  @Test
  void olderThanPredecessorIsReuseEvenWithinGrace() {
    startSession();
    store.rotate("s1", "j1", 0, "j2", T0, Duration.ofSeconds(10));
    store.rotate("s1", "j2", 1, "j3", T0, Duration.ofSeconds(10));
    var old = store.rotate("s1", "j1", 0, "j4", T0, Duration.ofSeconds(10));
    assertThat(old.outcome()).isEqualTo(Outcome.REUSE_DETECTED);
  }

  @Test
  void unknownJtiIsRejectedWithoutRevoking() {
    startSession();
    assertThat(store.rotate("s1", "never-issued", 0, "j2", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(store.findActive("s1", T0)).isPresent();
  }

  @Test
  void currentGenerationWithAnotherJtiIsRejectedWithoutRevoking() {
    startSession();
    store.rotate("s1", "j1", 0, "j2", T0, NO_GRACE);
    assertThat(store.rotate("s1", "not-j2", 1, "j3", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(store.rotate("s1", "j2", 1, "j3", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.ROTATED);
  }

  @Test
  void currentJtiWithAnotherGenerationIsRejectedWithoutRevoking() {
    startSession();
    store.rotate("s1", "j1", 0, "j2", T0, NO_GRACE);
    for (long gen : new long[] {0, 2, 1_000}) {
      assertThat(store.rotate("s1", "j2", gen, "j3", T0, NO_GRACE).outcome())
          .as("gen %s", gen)
          .isEqualTo(Outcome.REJECTED);
    }
    assertThat(store.findActive("s1", T0).orElseThrow().currentJti()).isEqualTo("j2");
  }

  @Test
  void previousGenerationWithAnotherJtiIsRejectedEvenWithinGrace() {
    startSession();
    store.rotate("s1", "j1", 0, "j2", T0, Duration.ofSeconds(10));
    assertThat(store.rotate("s1", "not-j1", 0, "j3", T0, Duration.ofSeconds(10)).outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(store.rotate("s1", "not-j1", 0, "j3", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(store.findActive("s1", T0)).isPresent();
  }

  @Test
  void predecessorWithinGraceIsAnsweredWithTheCurrentGeneration() {
    startSession();
    store.rotate("s1", "j1", 0, "j2", T0, Duration.ofSeconds(10));
    store.rotate("s1", "j2", 1, "j3", T0, Duration.ofSeconds(10));
    var retry = store.rotate("s1", "j2", 1, "x", T0.plusSeconds(1), Duration.ofSeconds(10));
    assertThat(retry.outcome()).isEqualTo(Outcome.GRACE);
    assertThat(retry.session().currentJti()).isEqualTo("j3");
    assertThat(retry.session().generation()).isEqualTo(2);
  }

  @Test
  void tokenWithoutGenerationIsRotatedWhenItsJtiIsCurrent() {
    startSession();
    store.rotate("s1", "j1", 0, "j2", T0, NO_GRACE);
    var rotation = store.rotate("s1", "j2", SessionStore.UNKNOWN_GENERATION, "j3", T0, NO_GRACE);
    assertThat(rotation.outcome()).isEqualTo(Outcome.ROTATED);
    assertThat(rotation.session().generation()).isEqualTo(2);
    assertThat(rotation.session().currentJti()).isEqualTo("j3");
  }

  @Test
  void tokenWithoutGenerationIsPlacedByItsJti() {
    startSession();
    var grace = Duration.ofSeconds(10);
    store.rotate("s1", "j1", 0, "j2", T0, grace);
    store.rotate("s1", "j2", 1, "j3", T0, grace);
    var unknown = SessionStore.UNKNOWN_GENERATION;
    assertThat(store.rotate("s1", "j2", unknown, "x", T0, grace).outcome())
        .as("the previous jti within grace")
        .isEqualTo(Outcome.GRACE);
    assertThat(store.rotate("s1", "j1", unknown, "x", T0, grace).outcome())
        .as("a jti older than the previous one")
        .isEqualTo(Outcome.REUSE_DETECTED);
    assertThat(store.findActive("s1", T0)).isEmpty();
  }

  @Test
  void tokenWithoutGenerationAndAnUnknownJtiIsRejectedBeforeTheSecondRotation() {
    startSession();
    var unknown = SessionStore.UNKNOWN_GENERATION;
    assertThat(store.rotate("s1", "other", unknown, "x", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REJECTED);
    store.rotate("s1", "j1", 0, "j2", T0, NO_GRACE);
    assertThat(store.rotate("s1", "other", unknown, "x", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(store.findActive("s1", T0)).isPresent();
  }

  @Test
  void reuseInAnotherFamilyDoesNotTouchThisOne() {
    startSession();
    store.create(Session.start("s2", "1", "demo", T0.plus(LIFE), "k1"));
    store.rotate("s2", "k1", 0, "k2", T0, NO_GRACE);
    assertThat(store.rotate("s2", "k1", 0, "k3", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REUSE_DETECTED);
    assertThat(store.rotate("s1", "j1", 0, "j2", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.ROTATED);
  }

  @Test
  void expiredFamilyIsRejectedAndNoLongerCounted() {
    startSession();
    var end = T0.plus(LIFE);
    assertThat(store.activeCount(end.minusSeconds(1))).isEqualTo(1);
    assertThat(store.rotate("s1", "j1", 0, "j2", end, NO_GRACE).outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(store.activeCount(end)).isZero();
  }

  @Test
  void revokeEndsTheSessionOnce() {
    startSession();
    assertThat(store.revoke("s1")).isTrue();
    assertThat(store.revoke("s1")).isFalse();
    assertThat(store.findActive("s1", T0)).isEmpty();
    assertThat(store.rotate("s1", "j1", 0, "j2", T0, NO_GRACE).outcome())
        .isEqualTo(Outcome.REJECTED);
  }

  @Test
  void revokingAnUnknownSessionReturnsFalse() {
    assertThat(store.revoke("nope")).isFalse();
  }

  @Test
  void purgeDeletesExpiredSessionsAndKeepsActiveOnes() throws Exception {
    for (int i = 0; i < 20; i++) startRotated("short-" + i, T0.plus(Duration.ofHours(1)), 3);
    for (int i = 0; i < 5; i++) startRotated("long-" + i, T0.plus(Duration.ofDays(1)), 1);
    assertThat(storedRows()).isEqualTo(20 + 5);

    assertThat(store.purge(T0.plus(Duration.ofMinutes(59)))).isZero();
    assertThat(store.purge(T0.plus(Duration.ofHours(1)))).isEqualTo(20);

    assertThat(storedRows()).isEqualTo(5);
    assertThat(store.activeCount(T0.plus(Duration.ofHours(1)))).isEqualTo(5);
    var late = T0.plus(Duration.ofHours(2));
    assertThat(store.rotate("long-0", "long-0-j0", 0, "x", late, NO_GRACE).outcome())
        .as("a spent token of a live family is still detected")
        .isEqualTo(Outcome.REUSE_DETECTED);
  }

  @Test
  void purgeDeletesRevokedFamilies() throws Exception {
    startRotated("revoked", T0.plus(LIFE), 2);
    startRotated("reused", T0.plus(LIFE), 2);
    startRotated("kept", T0.plus(LIFE), 2);
    store.revoke("revoked");
    store.rotate("reused", "reused-j0", 0, "x", T0, NO_GRACE);

    store.purge(T0);

    assertThat(storedRows()).isEqualTo(1);
    assertThat(store.findActive("kept", T0)).isPresent();
  }

  @Test
  void storeStaysBoundedWhenPurgedEveryHour() throws Exception {
    for (int hour = 0; hour < 12; hour++) {
      var now = T0.plus(Duration.ofHours(hour));
      for (int i = 0; i < 10; i++) {
        startRotated("h" + hour + "-" + i, now, now.plus(Duration.ofHours(1)), 2);
      }
      assertThat(storedRows()).isEqualTo(hour == 0 ? 10 : 20);
      store.purge(now);
      assertThat(storedRows()).as("after the purge of hour %s", hour).isEqualTo(10);
      assertThat(store.activeCount(now)).isEqualTo(10);
    }
  }

  @Test
  void agedFamilyIsStoredInOneRow() throws Exception {
    startRotated("aged", T0.plus(LIFE), 200);
    assertThat(storedRows()).isEqualTo(1);
  }

  @Test
  @Timeout(120)
  void familyRotatedTwoThousandTimesStillDetectsReuseOfItsFirstMiddleAndLastButOneToken() {
    int rotations = 2_000;
    for (int spent : new int[] {0, rotations / 2, rotations - 1}) {
      var sid = "aged-" + spent;
      startRotated(sid, T0.plus(LIFE), rotations);
      var replay = store.rotate(sid, sid + "-j" + spent, spent, "x", T0.plusSeconds(1), NO_GRACE);
      assertThat(replay.outcome())
          .as("token %s of %s", spent, rotations)
          .isEqualTo(Outcome.REUSE_DETECTED);
      assertThat(store.findActive(sid, T0)).isEmpty();
    }
  }

  void startRotated(String sid, Instant expiresAt, int rotations) {
    startRotated(sid, T0, expiresAt, rotations);
  }

  /** Starts session {@code sid} and rotates it {@code rotations} times (jtis sid-j0, sid-j1...). */
  void startRotated(String sid, Instant now, Instant expiresAt, int rotations) {
    store.create(Session.start(sid, "1", "demo", expiresAt, sid + "-j0"));
    for (int r = 0; r < rotations; r++) {
      var outcome =
          store.rotate(sid, sid + "-j" + r, r, sid + "-j" + (r + 1), now, NO_GRACE).outcome();
      assertThat(outcome).isEqualTo(Outcome.ROTATED);
    }
  }

  @Test
  @Timeout(30)
  void concurrentRotationsOfOneJtiHaveExactlyOneWinner() throws Exception {
    startSession();
    var outcomes = raceRotations(16, i -> store);
    assertThat(outcomes).filteredOn(o -> o == Outcome.ROTATED).hasSize(1);
    assertThat(outcomes).filteredOn(o -> o == Outcome.REUSE_DETECTED).hasSize(1);
    assertThat(outcomes).filteredOn(o -> o == Outcome.REJECTED).hasSize(16 - 2);
    assertThat(store.findActive("s1", T0)).isEmpty();
  }

  @Test
  @Timeout(30)
  void concurrentRotationsWithinGraceHaveOneWinnerAndTheRestGrace() throws Exception {
    startSession();
    var outcomes = new ArrayList<Outcome>();
    int n = 12;
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
                  return store.rotate("s1", "j1", 0, newJti, T0, Duration.ofSeconds(5)).outcome();
                }));
      }
      for (var f : futures) outcomes.add(f.get(20, TimeUnit.SECONDS));
    } finally {
      pool.shutdownNow();
    }
    assertThat(outcomes).filteredOn(o -> o == Outcome.ROTATED).hasSize(1);
    assertThat(outcomes).filteredOn(o -> o == Outcome.GRACE).hasSize(n - 1);
    assertThat(store.findActive("s1", T0)).isPresent();
  }

  /** Races {@code n} rotations of s1's j1, the i-th through {@code storeFor.apply(i)}. */
  static ArrayList<Outcome> raceRotations(
      int n, java.util.function.IntFunction<SessionStore> storeFor) throws Exception {
    var barrier = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      var futures = new ArrayList<Future<Outcome>>();
      for (int i = 0; i < n; i++) {
        var newJti = "next-" + i;
        var target = storeFor.apply(i);
        futures.add(
            pool.submit(
                () -> {
                  barrier.await();
                  return target.rotate("s1", "j1", 0, newJti, T0, NO_GRACE).outcome();
                }));
      }
      var outcomes = new ArrayList<Outcome>();
      for (var f : futures) outcomes.add(f.get(20, TimeUnit.SECONDS));
      return outcomes;
    } finally {
      pool.shutdownNow();
    }
  }
}
