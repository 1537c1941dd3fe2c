package io.tokenpair.demo;

import com.sun.net.httpserver.HttpExchange;
import io.tokenpair.demo.DemoConfig.CaptchaMode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;

/**
 * {@code /auth/*}: captcha, login, refresh, logout. Issues the pair, rotates refresh tokens and
 * revokes sessions; all token and session rules live in {@link TokenService} and {@link
 * SessionStore}.
 */
final class AuthEndpoints {
  private final DemoConfig config;
  private final Clock clock;
  private final TokenService tokens;
  private final SessionStore sessions;
  private final UserDirectory users;
  private final LoginThrottle throttle;
  private final CaptchaService captchas;
  private final RefreshCookie cookie;
  private final BearerAuth bearer;
  private final Metrics metrics;

  AuthEndpoints(
      DemoConfig config,
      TokenService tokens,
      SessionStore sessions,
      UserDirectory users,
      LoginThrottle throttle,
      CaptchaService captchas,
      BearerAuth bearer,
      Metrics metrics) {
    this.config = config;
    this.clock = config.clock();
    this.tokens = tokens;
    this.sessions = sessions;
    this.users = users;
    this.throttle = throttle;
    this.captchas = captchas;
    this.cookie = new RefreshCookie(config.secureCookie());
    this.bearer = bearer;
    this.metrics = metrics;
  }

  void captcha(HttpExchange ex) throws IOException {
    var challenge = captchas.create();
    var data = new LinkedHashMap<String, Object>();
    data.put("captcha_id", challenge.id());
    data.put("image", challenge.imageDataUrl());
    if (config.captcha() == CaptchaMode.REVEAL) data.put("answer", challenge.answer());
    Http.sendJson(ex, 200, Http.success(data));
  }

  void login(HttpExchange ex) throws IOException {
    var body = Http.readJsonObject(ex);
    var username = Http.requiredString(body, "username");
    var password = Http.requiredString(body, "password");
    var ip = Http.clientIp(ex);

    // Reserved before the password check: concurrent attempts never get past the limit.
    var attempt = throttle.reserve(ip, username);
    if (!attempt.allowed()) {
      metrics.login("throttled");
      throw new ApiException(429, "too_many_attempts", "Too many failed logins. Try again later.")
          .header("Retry-After", String.valueOf(ceilSeconds(attempt.retryAfter())));
    }
    if (config.captcha() != CaptchaMode.OFF) {
      var ok =
          captchas.verify(
              Http.optionalString(body, "captcha_id"), Http.optionalString(body, "captcha"));
      if (!ok) {
        attempt.captchaFailed();
        metrics.login("invalid_captcha");
        throw new ApiException(
            400,
            "invalid_captcha",
            "The captcha is missing, wrong, expired or already used. Get a new one.");
      }
    }
    var user = users.authenticate(username, password);
    if (user.isEmpty()) {
      metrics.login("invalid_credentials"); // the reserved attempt stays counted as a failure
      throw new ApiException(401, "invalid_credentials", "The username or password is wrong.")
          .header("WWW-Authenticate", BearerAuth.REALM);
    }
    attempt.succeeded();

    var now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    var sid = tokens.newId();
    var jti = tokens.newId();
    var session =
        Session.start(
            sid, user.get().id(), user.get().username(), now.plus(config.refreshTtl()), jti);
    sessions.create(session);
    metrics.login("ok");
    sendPair(ex, session, now);
  }

  void refresh(HttpExchange ex) throws IOException {
    var rt = singleRefreshCookie(ex);
    if (rt == null) {
      metrics.refresh("rejected");
      cookie.clear(ex);
      throw new ApiException(401, "missing_refresh_token", "No refresh token cookie.")
          .header("WWW-Authenticate", BearerAuth.REALM);
    }
    TokenService.RefreshClaims claims;
    try {
      claims = tokens.verifyRefresh(rt);
    } catch (TokenService.InvalidTokenException e) {
      metrics.refresh("rejected");
      throw refreshFailed(ex, "invalid_refresh_token", "The refresh token is invalid or expired.");
    }
    var now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    var rotation =
        sessions.rotate(
            claims.sid(),
            claims.jti(),
            claims.generation(),
            tokens.newId(),
            now,
            config.rotationGrace());
    switch (rotation.outcome()) {
      case ROTATED -> {
        metrics.refresh("ok");
        sendPair(ex, rotation.session(), now);
      }
      case GRACE -> {
        metrics.refresh("grace");
        sendPair(ex, rotation.session(), now);
      }
      case REUSE_DETECTED -> {
        metrics.refresh("reuse_detected");
        throw refreshFailed(
            ex, "refresh_token_reused", "The refresh token was already used; the session ended.");
      }
      case REJECTED -> {
        metrics.refresh("rejected");
        throw refreshFailed(ex, "invalid_refresh_token", "The refresh token is no longer valid.");
      }
    }
  }

  void logout(HttpExchange ex) throws IOException {
    var rt = singleRefreshCookie(ex);
    if (rt != null) {
      try {
        sessions.revoke(tokens.verifyRefresh(rt).sid());
      } catch (TokenService.InvalidTokenException ignored) {
        // nothing to revoke: logout is idempotent
      }
    }
    var access = bearer.tryVerify(ex);
    if (access != null) sessions.revoke(access.sid());
    metrics.logout();
    cookie.clear(ex);
    Http.sendEmpty(ex, 204);
  }

  /** The one {@code rt} cookie, or null; two or more are ambiguous and get 400. */
  private String singleRefreshCookie(HttpExchange ex) {
    var values = Http.cookies(ex, RefreshCookie.NAME);
    if (values.size() > 1) {
      if (ex.getRequestURI().getPath().equals("/auth/refresh")) metrics.refresh("rejected");
      cookie.clear(ex);
      throw new ApiException(400, "invalid_request", "Send exactly one rt cookie.");
    }
    return values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
  }

  private ApiException refreshFailed(HttpExchange ex, String error, String message) {
    cookie.clear(ex);
    return new ApiException(401, error, message).header("WWW-Authenticate", BearerAuth.INVALID);
  }

  /** Answers with an access token and the session's current refresh token. */
  private void sendPair(HttpExchange ex, Session session, Instant now) throws IOException {
    var accessExpiry = now.plus(config.accessTtl());
    var access =
        tokens.issueAccess(session.subject(), session.username(), session.sid(), accessExpiry);
    var refresh =
        tokens.issueRefresh(
            session.subject(),
            session.sid(),
            session.currentJti(),
            session.generation(),
            session.expiresAt());
    cookie.set(ex, refresh, Duration.between(now, session.expiresAt()));
    var data = new LinkedHashMap<String, Object>();
    data.put("access_token", access);
    data.put("token_type", "Bearer");
    data.put("expires_in", config.accessTtl().toSeconds());
    Http.sendJson(ex, 200, Http.success(data));
  }

  private static long ceilSeconds(Duration d) {
    var seconds = d.toSeconds();
    return d.minusSeconds(seconds).isZero() ? Math.max(1, seconds) : seconds + 1;
  }
}
