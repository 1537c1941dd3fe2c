package io.tokenpair.demo;

import io.tokenpair.demo.SessionStore.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One login: a session id that access tokens carry as {@code sid}, and the refresh-token family
 * that belongs to it. The family's absolute expiry is fixed at login; rotation never extends it.
 *
 * <p>The family's state has a fixed size whatever its age: the current refresh token is named by
 * its {@code jti} and its generation (the family's rotation counter, which the refresh token
 * carries as its signed {@code gen} claim), and the one rotated last by {@code previousJti} and
 * {@code rotatedAt}, for the grace window. Every token of a generation below the current one has
 * been spent, so presenting it is reuse: no list of spent {@code jti}s is needed.
 *
 * @param sid the session id, also the family id
 * @param subject the user id
 * @param username the user name
 * @param expiresAt when the family, and so the session, ends
 * @param currentJti the only refresh {@code jti} that may be rotated now
 * @param generation how many times the family has rotated: 0 at login, the {@code gen} of the
 *     current refresh token
 * @param previousJti the {@code jti} rotated last (generation {@code generation - 1}), or null
 * @param rotatedAt when {@code previousJti} was rotated, or null
 */
public record Session(
    String sid,
    String subject,
    String username,
    Instant expiresAt,
    String currentJti,
    long generation,
    String previousJti,
    Instant rotatedAt) {

  public Session {
    Objects.requireNonNull(sid, "sid == null");
    Objects.requireNonNull(subject, "subject == null");
    Objects.requireNonNull(username, "username == null");
    Objects.requireNonNull(expiresAt, "expiresAt == null");
    Objects.requireNonNull(currentJti, "currentJti == null");
    if (generation < 0) throw new IllegalArgumentException("generation < 0");
  }

  /** A fresh session whose family starts with {@code firstJti}, generation 0. */
  public static Session start(
      String sid, String subject, String username, Instant expiresAt, String firstJti) {
    return new Session(sid, subject, username, expiresAt, firstJti, 0, null, null);
  }

  public boolean isExpired(Instant now) {
    return !now.isBefore(expiresAt);
  }

  /** This session after its current token was rotated at {@code now} into {@code newJti}. */
  Session rotated(String newJti, Instant now) {
    return new Session(sid, subject, username, expiresAt, newJti, generation + 1, currentJti, now);
  }

  /**
   * What presenting refresh token ({@code jti}, {@code gen}) at {@code now} means for this family,
   * as {@link SessionStore#rotate} defines it. Every store decides with this one function; a
   * database store acts on {@link Outcome#ROTATED} only through its own conditional update.
   *
   * <p>A token of the current generation must carry the current {@code jti}, and one of the
   * previous generation the previous {@code jti}; anything else this family never issued is
   * rejected. An older generation cannot be matched with its {@code jti}, which is not kept, and
   * needs not be: the signed {@code gen} and {@code sid} say this family issued it, and every token
   * it issued below the current generation was spent.
   *
   * @param gen the presented token's generation, or {@link SessionStore#UNKNOWN_GENERATION} for a
   *     token without one, which is placed by its {@code jti}: current, previous, or older
   */
  Outcome judge(String jti, long gen, Instant now, Duration grace) {
    if (isExpired(now)) return Outcome.REJECTED;
    if (gen == SessionStore.UNKNOWN_GENERATION) gen = placeByJti(jti);
    if (gen == generation) return jti.equals(currentJti) ? Outcome.ROTATED : Outcome.REJECTED;
    if (gen == generation - 1) {
      if (!jti.equals(previousJti)) return Outcome.REJECTED;
      return withinGrace(now, grace) ? Outcome.GRACE : Outcome.REUSE_DETECTED;
    }
    return gen >= 0 && gen < generation ? Outcome.REUSE_DETECTED : Outcome.REJECTED;
  }

  /** A token without {@code gen}: any signed {@code jti} older than the previous one was spent. */
  private long placeByJti(String jti) {
    if (jti.equals(currentJti)) return generation;
    if (jti.equals(previousJti)) return generation - 1;
    return generation - 2; // below 0 (rejected) when the family has not rotated twice
  }

  private boolean withinGrace(Instant now, Duration grace) {
    return !grace.isZero() && rotatedAt != null && !now.isAfter(rotatedAt.plus(grace));
  }
}
