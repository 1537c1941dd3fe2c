package io.tokenpair.demo;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Sessions and their refresh-token families. Implementations must be safe for concurrent use, and
 * {@link #rotate} must consume a refresh token atomically: of N concurrent calls with the same
 * current token, exactly one returns {@link Outcome#ROTATED}.
 *
 * <p>A refresh token is named by its {@code jti} and its generation (its signed {@code gen} claim:
 * 0 at login, one more at each rotation). A store keeps a fixed-size state per family (see {@link
 * Session}): per-request cost and storage do not grow with the number of rotations, and a spent
 * token is still detected for the family's whole life.
 *
 * <p>{@link #open} picks the implementation a {@link StoreSpec} names: {@link InMemorySessionStore}
 * or {@link JdbcSessionStore} (SQLite, PostgreSQL).
 */
public interface SessionStore extends AutoCloseable {

  /**
   * The generation of a refresh token issued before tokens carried {@code gen}: the store places it
   * by its {@code jti} (current, previous, or spent before them).
   */
  long UNKNOWN_GENERATION = -1;

  /** What {@link #rotate} did. */
  enum Outcome {
    /** The presented token was current: it is now spent and the new one is current. */
    ROTATED,
    /**
     * The presented token was the one rotated last, within the grace window: nothing changed, the
     * caller answers with a fresh pair for the current token.
     */
    GRACE,
    /**
     * A spent token (a generation below the current one) outside the grace window: the whole family
     * and its session are revoked.
     */
    REUSE_DETECTED,
    /**
     * Unknown, revoked or expired session, or a token this family never issued (a generation above
     * the current one, or the current or previous generation with another {@code jti}).
     */
    REJECTED
  }

  /** The result of {@link #rotate}; {@code session} is the state after the call, or null. */
  record Rotation(Outcome outcome, Session session) {}

  /** Stores a new session. */
  void create(Session session);

  /** The session if it exists, is not revoked and has not expired at {@code now}. */
  Optional<Session> findActive(String sid, Instant now);

  /**
   * Consumes the presented refresh token and makes {@code newJti}, one generation up, current,
   * atomically; {@link Outcome} says how the presented token is judged.
   *
   * @param presentedGeneration the presented token's {@code gen}, or {@link #UNKNOWN_GENERATION}
   * @param grace how long after a rotation its predecessor may be presented again without being
   *     treated as reuse; zero disables the window
   */
  Rotation rotate(
      String sid,
      String presentedJti,
      long presentedGeneration,
      String newJti,
      Instant now,
      Duration grace);

  /** Revokes the session and its family. Returns false when it was not active. */
  boolean revoke(String sid);

  /** The number of sessions active at {@code now}; expired ones are dropped on the way. */
  int activeCount(Instant now);

  /**
   * Deletes the sessions that expired by {@code now} or were revoked, so the store stays bounded by
   * the active sessions. {@link DemoServer} calls it periodically.
   *
   * @return the number of sessions deleted
   */
  int purge(Instant now);

  /** Releases what the store holds (connections); the in-memory store holds nothing. */
  @Override
  default void close() {}

  /**
   * Opens the store {@code spec} names.
   *
   * @throws SessionStoreException when a database store cannot be opened
   */
  static SessionStore open(StoreSpec spec) {
    return open(spec, JdbcSessionStore.DEFAULT_TIMEOUT);
  }

  /**
   * Opens the store {@code spec} names; a database store gives each write {@code timeout} in all.
   *
   * @throws SessionStoreException when a database store cannot be opened
   */
  static SessionStore open(StoreSpec spec, Duration timeout) {
    return switch (spec.kind()) {
      case MEMORY -> new InMemorySessionStore();
      case SQLITE, POSTGRESQL -> JdbcSessionStore.open(spec, timeout);
    };
  }
}
