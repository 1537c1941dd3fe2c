package io.tokenpair.demo;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link SessionStore} in memory. Each rotation runs inside {@link ConcurrentHashMap#compute},
 * which is atomic per session. Revoked and expired sessions are removed; a revoked session is
 * indistinguishable from an unknown one. This class is thread-safe.
 */
public final class InMemorySessionStore implements SessionStore {
  private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();

  @Override
  public void create(Session session) {
    Objects.requireNonNull(session, "session == null");
    if (sessions.putIfAbsent(session.sid(), session) != null) {
      throw new IllegalStateException("Session id already exists.");
    }
  }

  @Override
  public Optional<Session> findActive(String sid, Instant now) {
    var session = sessions.get(sid);
    if (session == null) return Optional.empty();
    if (session.isExpired(now)) {
      sessions.remove(sid, session);
      return Optional.empty();
    }
    return Optional.of(session);
  }

  @Override
  public Rotation rotate(
      String sid,
      String presentedJti,
      long presentedGeneration,
      String newJti,
      Instant now,
      Duration grace) {
    Objects.requireNonNull(presentedJti, "presentedJti == null");
    Objects.requireNonNull(newJti, "newJti == null");
    var outcome = new Outcome[] {Outcome.REJECTED};
    var after =
        sessions.computeIfPresent(
            sid,
            (id, s) -> {
              outcome[0] = s.judge(presentedJti, presentedGeneration, now, grace);
              return switch (outcome[0]) {
                case ROTATED -> s.rotated(newJti, now);
                case REUSE_DETECTED -> null; // revoke the family and its session
                case GRACE -> s;
                case REJECTED -> s.isExpired(now) ? null : s; // drop an expired one
              };
            });
    return new Rotation(outcome[0], after);
  }

  @Override
  public boolean revoke(String sid) {
    return sessions.remove(sid) != null;
  }

  @Override
  public int activeCount(Instant now) {
    sessions.values().removeIf(s -> s.isExpired(now));
    return sessions.size();
  }

  @Override
  public int purge(Instant now) {
    int removed = 0;
    for (var entry : sessions.entrySet()) {
      var session = entry.getValue();
      if (session.isExpired(now) && sessions.remove(entry.getKey(), session)) removed++;
    }
    return removed;
  }

  /** Sessions held, expired ones included: one entry of fixed size per session. */
  int storedRows() {
    return sessions.size();
  }
}
