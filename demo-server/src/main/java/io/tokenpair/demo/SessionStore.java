package io.tokenpair.demo;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Sessions and their refresh-token families. Implementations must be safe for concurrent use, and
 * {@link #rotate} must consume a {@code jti} atomically: of N concurrent calls with the same
 * current {@code jti}, exactly one returns {@link Outcome#ROTATED}.
 */
public interface SessionStore {

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
}
