package io.tokenpair.demo;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One login: a session id that access tokens carry as {@code sid}, and the refresh-token family
 * that belongs to it. The family's absolute expiry is fixed at login; rotation never extends it.
 *
 * @param sid the session id, also the family id
 * @param subject the user id
 * @param username the user name
 * @param expiresAt when the family, and so the session, ends
 * @param currentJti the only refresh {@code jti} that may be rotated now
 * @param previousJti the {@code jti} rotated last, or null; retried within the grace window
 * @param rotatedAt when {@code previousJti} was rotated, or null
 * @param usedJtis every {@code jti} already consumed; presenting one again is reuse
 */
public record Session(
    String sid,
    String subject,
    String username,
    Instant expiresAt,
    String currentJti,
    String previousJti,
    Instant rotatedAt,
    Set<String> usedJtis) {

  public Session {
    Objects.requireNonNull(sid, "sid == null");
    Objects.requireNonNull(subject, "subject == null");
    Objects.requireNonNull(username, "username == null");
    Objects.requireNonNull(expiresAt, "expiresAt == null");
    Objects.requireNonNull(currentJti, "currentJti == null");
    usedJtis = Set.copyOf(usedJtis);
  }

  /** A fresh session whose family starts with {@code firstJti}. */
  public static Session start(
      String sid, String subject, String username, Instant expiresAt, String firstJti) {
    return new Session(sid, subject, username, expiresAt, firstJti, null, null, Set.of());
  }

  public boolean isExpired(Instant now) {
    return !now.isBefore(expiresAt);
  }
}
