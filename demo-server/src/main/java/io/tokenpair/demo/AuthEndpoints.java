package io.tokenpair.demo;

import com.sun.net.httpserver.HttpExchange;
import io.tokenpair.demo.DemoConfig.CaptchaMode;
import java.io.IOException;
import java.util.LinkedHashMap;

/**
 * {@code /auth/*}: captcha, login, refresh, logout, with the refresh token in the {@code rt}
 * cookie. The login and refresh rules live in {@link Grants}, shared with the OAuth2 token
 * endpoint; this class reads the JSON body and the cookie and writes the envelope and the cookie.
 */
final class AuthEndpoints {
  private final DemoConfig config;
  private final TokenService tokens;
  private final SessionStore sessions;
  private final CaptchaService captchas;
  private final Grants grants;
  private final RefreshCookie cookie;
  private final BearerAuth bearer;
  private final Metrics metrics;
  private final ClientAddress clients;

  AuthEndpoints(
      DemoConfig config,
      TokenService tokens,
      SessionStore sessions,
      CaptchaService captchas,
      Grants grants,
      BearerAuth bearer,
      Metrics metrics,
      ClientAddress clients) {
    this.config = config;
    this.tokens = tokens;
    this.sessions = sessions;
    this.captchas = captchas;
    this.grants = grants;
    this.cookie = new RefreshCookie(config.secureCookie());
    this.bearer = bearer;
    this.metrics = metrics;
    this.clients = clients;
  }

  /** A new captcha; 429 {@code too_many_attempts} beyond the client address's rate limit. */
  void captcha(HttpExchange ex) throws IOException {
    CaptchaService.Challenge challenge;
    try {
      challenge = captchas.create(clients.of(ex));
    } catch (CaptchaService.Throttled e) {
      throw new ApiException(429, "too_many_attempts", e.getMessage())
          .header("Retry-After", String.valueOf(e.retryAfterSeconds()));
    }
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
    Grants.Pair pair;
    try {
      pair =
          grants.login(
              clients.of(ex),
              username,
              password,
              Http.optionalString(body, "captcha_id"),
              Http.optionalString(body, "captcha"));
    } catch (Grants.Refused e) {
      throw switch (e.reason()) {
        case THROTTLED ->
            new ApiException(429, "too_many_attempts", e.getMessage())
                .header("Retry-After", String.valueOf(e.retryAfterSeconds()));
        case INVALID_CAPTCHA -> new ApiException(400, "invalid_captcha", e.getMessage());
        default -> // INVALID_CREDENTIALS, the only other reason a login is refused
            new ApiException(401, "invalid_credentials", e.getMessage())
                .header("WWW-Authenticate", BearerAuth.REALM);
      };
    }
    sendPair(ex, pair);
  }

  void refresh(HttpExchange ex) throws IOException {
    var rt = singleRefreshCookie(ex);
    if (rt == null) {
      metrics.refresh("rejected");
      cookie.clear(ex);
      throw new ApiException(401, "missing_refresh_token", "No refresh token cookie.")
          .header("WWW-Authenticate", BearerAuth.REALM);
    }
    Grants.Pair pair;
    try {
      pair = grants.refresh(rt);
    } catch (Grants.Refused e) {
      var error =
          e.reason() == Grants.Reason.REUSED ? "refresh_token_reused" : "invalid_refresh_token";
      cookie.clear(ex);
      throw new ApiException(401, error, e.getMessage())
          .header("WWW-Authenticate", BearerAuth.INVALID);
    }
    sendPair(ex, pair);
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
    var access = bearer.sessionToEnd(ex);
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

  /** The access token in the envelope, the refresh token in the cookie. */
  private void sendPair(HttpExchange ex, Grants.Pair pair) throws IOException {
    cookie.set(ex, pair.refreshToken(), pair.refreshTtl());
    var data = new LinkedHashMap<String, Object>();
    data.put("access_token", pair.accessToken());
    data.put("token_type", "Bearer");
    data.put("expires_in", pair.accessTtl().toSeconds());
    Http.sendJson(ex, 200, Http.success(data));
  }
}
