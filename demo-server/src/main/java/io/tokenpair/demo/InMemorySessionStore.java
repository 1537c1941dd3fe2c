package io.tokenpair.demo;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
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
      String sid, String presentedJti, String newJti, Instant now, Duration grace) {
    var outcome = new Outcome[] {Outcome.REJECTED};
    var after =
        sessions.computeIfPresent(
            sid,
            (id, s) -> {
              if (s.isExpired(now)) {
                outcome[0] = Outcome.REJECTED;
                return null; // drop it
              }
              if (presentedJti.equals(s.currentJti())) {
                outcome[0] = Outcome.ROTATED;
                var used = new HashSet<>(s.usedJtis());
                used.add(presentedJti);
                return new Session(
                    s.sid(),
                    s.subject(),
                    s.username(),
                    s.expiresAt(),
                    newJti,
                    presentedJti,
                    now,
                    used);
              }
              if (s.usedJtis().contains(presentedJti)) {
                var withinGrace =
                    !grace.isZero()
                        && presentedJti.equals(s.previousJti())
                        && !now.isAfter(s.rotatedAt().plus(grace));
                if (withinGrace) {
                  outcome[0] = Outcome.GRACE;
                  return s;
                }
                outcome[0] = Outcome.REUSE_DETECTED;
                return null; // revoke the family and its session
              }
              outcome[0] = Outcome.REJECTED;
              return s;
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

  /** Sessions held, expired ones included, plus the used jtis they hold. */
  int storedRows() {
    int rows = 0;
    for (var session : sessions.values()) rows += 1 + session.usedJtis().size();
    return rows;
  }
}
