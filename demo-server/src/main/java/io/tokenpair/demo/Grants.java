package io.tokenpair.demo;

import io.tokenpair.demo.DemoConfig.CaptchaMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Consumer;

/**
 * The two ways to obtain a token pair, with all their rules: a login (throttling, captcha,
 * password) and a refresh (rotation, grace, reuse detection). Both protocols call it, the cookie
 * endpoints ({@link AuthEndpoints}) and the OAuth2 token endpoint ({@link TokenEndpoint}): they
 * share the sessions, each rule, and the counters {@code tokenpair_login_total} and {@code
 * tokenpair_refresh_total}, which count here once per decision. The endpoints only read the request
 * and write the answer.
 *
 * <p>This class is thread-safe.
 */
final class Grants {
  private final DemoConfig config;
  private final Clock clock;
  private final TokenService tokens;
  private final SessionStore sessions;
  private final UserDirectory users;
  private final LoginThrottle throttle;
  private final CaptchaService captchas;
  private final Metrics metrics;

  /**
   * A pair issued for a session.
   *
   * @param accessToken a new access token, valid for {@code accessTtl}
   * @param accessTtl the access token's lifetime ({@code --access-ttl})
   * @param refreshToken the session's current refresh token
   * @param refreshTtl how long the family has left: rotation never extends it
   * @param outcome the metrics outcome the grant was counted as ({@code ok}, or {@code grace} for a
   *     retried refresh)
   * @param dpop whether the access token is bound to a DPoP key: its {@code token_type} is {@code
   *     DPoP}
   */
  record Pair(
      String accessToken,
      Duration accessTtl,
      String refreshToken,
      Duration refreshTtl,
      String outcome,
      boolean dpop) {}

  /** Why a grant was refused. */
  enum Reason {
    THROTTLED("throttled", "Too many failed logins. Try again later."),
    INVALID_CAPTCHA(
        "invalid_captcha",
        "The captcha is missing, wrong, expired or already used. Get a new one."),
    INVALID_CREDENTIALS("invalid_credentials", "The username or password is wrong."),
    /** Not a refresh token of this server: garbage, forged, another kind, or expired. */
    INVALID_TOKEN("rejected", "The refresh token is invalid or expired."),
    /** A spent refresh token outside the grace window: its family and session are revoked. */
    REUSED("reuse_detected", "The refresh token was already used; the session ended."),
    /** The session was revoked or has ended, or its family never issued this token. */
    ENDED("rejected", "The refresh token is no longer valid."),
    /**
     * Bound to a DPoP key the request does not prove (no proof, or one of another key); nothing
     * changed. The token endpoint answers {@code invalid_dpop_proof}.
     */
    WRONG_KEY("rejected", "The token is bound to a DPoP key that this request does not prove.");

    private final String outcome;
    private final String message;

    Reason(String outcome, String message) {
      this.outcome = outcome;
      this.message = message;
    }

    /** The metrics outcome this refusal was counted as. */
    String outcome() {
      return outcome;
    }

    /** A sentence for the answer; names no input. */
    String message() {
      return message;
    }
  }

  /** A grant the rules refused; carries no stack trace and no input. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final Reason reason;
    private final Duration retryAfter;

    private Refused(Reason reason, Duration retryAfter) {
      super(reason.message(), null, false, false);
      this.reason = reason;
      this.retryAfter = retryAfter;
    }

    Reason reason() {
      return reason;
    }

    /** For {@link Reason#THROTTLED}: whole seconds until a login may be tried again, at least 1. */
    long retryAfterSeconds() {
      var seconds = retryAfter.toSeconds();
      return retryAfter.minusSeconds(seconds).isZero() ? Math.max(1, seconds) : seconds + 1;
    }
  }

  Grants(
      DemoConfig config,
      TokenService tokens,
      SessionStore sessions,
      UserDirectory users,
      LoginThrottle throttle,
      CaptchaService captchas,
      Metrics metrics) {
    this.config = config;
    this.clock = config.clock();
    this.tokens = tokens;
    this.sessions = sessions;
    this.users = users;
    this.throttle = throttle;
    this.captchas = captchas;
    this.metrics = metrics;
  }

  /**
   * Starts a session for a user. Checks, in order: the throttle (reserved before the password
   * check, so concurrent attempts never get past the limit), the captcha unless {@code --captcha
   * off}, the password.
   *
   * @param captchaId the captcha's id, or null
   * @param captcha the captcha's answer, or null
   * @throws Refused {@link Reason#THROTTLED}, {@link Reason#INVALID_CAPTCHA} or {@link
   *     Reason#INVALID_CREDENTIALS}
   */
  Pair login(String ip, String username, String password, String captchaId, String captcha)
      throws Refused {
    return login(ip, username, password, captchaId, captcha, null);
  }

  /**
   * As above, the pair bound to the DPoP key with thumbprint {@code jkt} unless it is null: the
   * access token, and the refresh token too (the one client is public, RFC 9449 §5).
   */
  Pair login(
      String ip, String username, String password, String captchaId, String captcha, String jkt)
      throws Refused {
    var captchaOn = config.captcha() != CaptchaMode.OFF;
    var attempt = throttle.reserve(ip, username, captchaOn);
    if (!attempt.allowed()) throw refuse(metrics::login, Reason.THROTTLED, attempt.retryAfter());
    if (captchaOn) {
      if (!captchas.verify(captchaId, captcha)) {
        attempt.captchaFailed();
        throw refuse(metrics::login, Reason.INVALID_CAPTCHA, Duration.ZERO);
      }
      attempt.captchaPassed();
    }
    var user = users.authenticate(username, password);
    if (user.isEmpty()) {
      // the reserved attempt stays counted as a failure
      throw refuse(metrics::login, Reason.INVALID_CREDENTIALS, Duration.ZERO);
    }
    attempt.succeeded();

    var now = now();
    var session =
        Session.start(
            tokens.newId(),
            user.get().id(),
            user.get().username(),
            now.plus(config.refreshTtl()),
            tokens.newId());
    sessions.create(session);
    metrics.login("ok");
    return issue(session, user.get().credential(), now, "ok", jkt, jkt);
  }

  /**
   * Consumes refresh token {@code rt} and returns a pair with its successor; within the grace
   * window a retry of the token rotated last gets a pair for the current one.
   *
   * @throws Refused {@link Reason#INVALID_TOKEN}, {@link Reason#REUSED} (the family is revoked) or
   *     {@link Reason#ENDED}
   */
  Pair refresh(String rt) throws Refused {
    return refresh(rt, null);
  }

  /**
   * As above for a request whose DPoP proof was made with the key of thumbprint {@code jkt} (null:
   * no proof). A bound refresh token needs its own key, checked before anything changes ({@link
   * Reason#WRONG_KEY}); the new pair is bound to {@code jkt}, the refresh token as its predecessor
   * was or, when that was not bound, to {@code jkt} too.
   */
  Pair refresh(String rt, String jkt) throws Refused {
    TokenService.RefreshClaims claims;
    try {
      claims = tokens.verifyRefresh(rt);
    } catch (TokenService.InvalidTokenException e) {
      throw refuse(metrics::refresh, Reason.INVALID_TOKEN, Duration.ZERO);
    }
    if (claims.jkt() != null && !claims.jkt().equals(jkt)) {
      throw refuse(metrics::refresh, Reason.WRONG_KEY, Duration.ZERO);
    }
    var bound = new Binding(jkt, claims.jkt() != null ? claims.jkt() : jkt);
    var now = now();
    var rotation =
        sessions.rotate(
            claims.sid(),
            claims.jti(),
            claims.generation(),
            tokens.newId(),
            now,
            config.rotationGrace());
    return switch (rotation.outcome()) {
      case ROTATED -> refreshed(claims, rotation.session(), now, "ok", bound);
      case GRACE -> refreshed(claims, rotation.session(), now, "grace", bound);
      case REUSE_DETECTED -> throw refuse(metrics::refresh, Reason.REUSED, Duration.ZERO);
      case REJECTED -> throw refuse(metrics::refresh, Reason.ENDED, Duration.ZERO);
    };
  }

  /**
   * The pair of a refreshed session, whose user is looked up first: a session whose user is gone
   * from {@code --user}, or whose password changed since its refresh token was issued (its {@code
   * cred} claim no longer matches), is revoked and refused. A token without {@code cred} (issued
   * before the claim existed) only needs its user to exist; its successor carries the claim.
   */
  /** The DPoP keys a new pair is bound to: each a thumbprint, or null. */
  private record Binding(String accessJkt, String refreshJkt) {}

  private Pair refreshed(
      TokenService.RefreshClaims claims,
      Session session,
      Instant now,
      String outcome,
      Binding bound)
      throws Refused {
    var user = users.find(session.username());
    if (user.isEmpty()
        || (claims.credential() != null && !claims.credential().equals(user.get().credential()))) {
      sessions.revoke(session.sid());
      throw refuse(metrics::refresh, Reason.ENDED, Duration.ZERO);
    }
    metrics.refresh(outcome);
    return issue(
        session, user.get().credential(), now, outcome, bound.accessJkt(), bound.refreshJkt());
  }

  /**
   * RFC 7009 revocation: ends the session of {@code token}, a refresh or an access token (expired
   * or not; a spent refresh token too), with all its tokens. A token this server did not issue is
   * no error. A token bound to a DPoP key is revoked only with a proof of that key ({@code jkt}).
   *
   * @throws Refused {@link Reason#WRONG_KEY}
   */
  void revoke(String token, String jkt) throws Refused {
    String sid;
    String bound;
    try {
      var claims = tokens.verifyRefresh(token);
      sid = claims.sid();
      bound = claims.jkt();
    } catch (TokenService.InvalidTokenException notRefresh) {
      try {
        var claims = tokens.verifyAccessEvenExpired(token);
        sid = claims.sid();
        bound = claims.jkt();
      } catch (TokenService.InvalidTokenException notAccess) {
        return;
      }
    }
    if (bound != null && !bound.equals(jkt)) throw new Refused(Reason.WRONG_KEY, Duration.ZERO);
    sessions.revoke(sid);
  }

  private static Refused refuse(Consumer<String> counter, Reason reason, Duration retryAfter) {
    counter.accept(reason.outcome());
    return new Refused(reason, retryAfter);
  }

  /**
   * An access token and the session's current refresh token, stamped with {@code credential}, each
   * bound to the DPoP key thumbprint given for it unless that is null.
   */
  private Pair issue(
      Session session,
      String credential,
      Instant now,
      String outcome,
      String accessJkt,
      String refreshJkt) {
    var access =
        tokens.issueAccess(
            session.subject(),
            session.username(),
            session.sid(),
            now.plus(config.accessTtl()),
            accessJkt);
    var refresh =
        tokens.issueRefresh(
            session.subject(),
            session.sid(),
            session.currentJti(),
            session.generation(),
            session.expiresAt(),
            credential,
            refreshJkt);
    return new Pair(
        access,
        config.accessTtl(),
        refresh,
        Duration.between(now, session.expiresAt()),
        outcome,
        accessJkt != null);
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }
}
