package io.tokenpair.demo;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Sessions and their refresh-token families. Implementations must be safe for concurrent use, and
 * {@link #rotate} must consume a {@code jti} atomically: of N concurrent calls with the same
 * current {@code jti}, exactly one returns {@link Outcome#ROTATED}.
 *
 * <p>{@link #open} picks the implementation a {@link StoreSpec} names: {@link InMemorySessionStore}
 * or {@link JdbcSessionStore} (SQLite, PostgreSQL).
 */
public interface SessionStore extends AutoCloseable {

  /** What {@link #rotate} did. */
  enum Outcome {
    /** The presented jti was current: it is now used and the new jti is current. */
    ROTATED,
    /**
     * The presented jti was the one rotated last, within the grace window: nothing changed, the
     * caller answers with a fresh pair for the current jti.
     */
    GRACE,
    /** A used jti outside the grace window: the whole family and its session are revoked. */
    REUSE_DETECTED,
    /** Unknown, revoked or expired session, or a jti this family never issued. */
    REJECTED
  }

  /** The result of {@link #rotate}; {@code session} is the state after the call, or null. */
  record Rotation(Outcome outcome, Session session) {}

  /** Stores a new session. */
  void create(Session session);

  /** The session if it exists, is not revoked and has not expired at {@code now}. */
  Optional<Session> findActive(String sid, Instant now);

  /**
   * Consumes {@code presentedJti} and makes {@code newJti} current, atomically.
   *
   * @param grace how long after a rotation its predecessor may be presented again without being
   *     treated as reuse; zero disables the window
   */
  Rotation rotate(String sid, String presentedJti, String newJti, Instant now, Duration grace);

  /** Revokes the session and its family. Returns false when it was not active. */
  boolean revoke(String sid);

  /** The number of sessions active at {@code now}; expired ones are dropped on the way. */
  int activeCount(Instant now);

  /**
   * Deletes the sessions that expired by {@code now} or were revoked, with their used jtis, so the
   * store stays bounded by the active sessions. {@link DemoServer} calls it periodically.
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
    return switch (spec.kind()) {
      case MEMORY -> new InMemorySessionStore();
      case SQLITE, POSTGRESQL -> JdbcSessionStore.open(spec);
    };
  }
}
