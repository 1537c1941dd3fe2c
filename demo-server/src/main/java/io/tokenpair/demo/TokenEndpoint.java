package io.tokenpair.demo;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /oauth/token}: the sessions of the cookie endpoints through an OAuth2 token endpoint
 * (RFC 6749 §3.2), for clients that keep the refresh token themselves. It takes {@code
 * grant_type=refresh_token} (§6) and, with {@code --password-grant on} only, {@code
 * grant_type=password} (§4.3), and applies the rules of {@link Grants} to them exactly as {@code
 * /auth/login} and {@code /auth/refresh} do: the same store, rotation, grace, reuse detection,
 * throttling and captcha. The refresh token in the body is the same {@code rt+jwt} the cookie
 * carries, so either endpoint continues a session the other started.
 *
 * <p>Answers are RFC 6749 §5.1 JSON (no envelope) and §5.2 errors, all with {@code Cache-Control:
 * no-store} and {@code Pragma: no-cache}. It reads and writes no cookie. There is one client,
 * {@value #CLIENT_ID}, public: {@code client_id} may be sent or left out, and any client
 * authentication is refused. This class is thread-safe.
 */
final class TokenEndpoint {
  static final String PATH = "/oauth/token";
  static final String REVOCATION_PATH = "/oauth/revoke";

  /** The one client this server knows; public, so it has no secret. */
  static final String CLIENT_ID = "tokenpair-demo";

  /** The challenge of an {@code invalid_client} answer. */
  static final String CLIENT_CHALLENGE = "Basic realm=\"tokenpair\"";

  static final String PASSWORD = "password";
  static final String REFRESH_TOKEN = "refresh_token";

  /** The error codes of RFC 6749 §5.2; any other code of a 4xx becomes {@code invalid_request}. */
  private static final Set<String> ERRORS =
      Set.of(
          "invalid_request",
          "invalid_client",
          "invalid_grant",
          "unauthorized_client",
          "unsupported_grant_type",
          "invalid_scope",
          DpopVerifier.INVALID_PROOF, // RFC 9449 §5
          DpopVerifier.USE_NONCE); // RFC 9449 §8

  private final DemoConfig config;
  private final Grants grants;
  private final Metrics metrics;
  private final ClientAddress clients;
  private final DpopVerifier dpop;

  TokenEndpoint(
      DemoConfig config, Grants grants, Metrics metrics, ClientAddress clients, DpopVerifier dpop) {
    this.config = config;
    this.grants = grants;
    this.metrics = metrics;
    this.clients = clients;
    this.dpop = dpop;
  }

  /**
   * Checks, in order: the form, {@code grant_type} (and whether the password grant is on), the DPoP
   * proof (a grant refused for it is counted neither as a login nor as a refresh), the client, the
   * grant's parameters and rules.
   */
  void token(HttpExchange ex) throws IOException {
    var form = Form.read(ex);
    var grantType = form.required("grant_type");
    switch (grantType) {
      case REFRESH_TOKEN -> refreshGrant(ex, form, proof(ex));
      case PASSWORD -> {
        if (!config.passwordGrant()) {
          throw new ApiException(
              400, "unsupported_grant_type", "The password grant is off (--password-grant on).");
        }
        passwordGrant(ex, form, proof(ex));
      }
      default ->
          throw new ApiException(
              400,
              "unsupported_grant_type",
              config.passwordGrant()
                  ? "The grant type is not supported; use refresh_token or password."
                  : "The grant type is not supported; use refresh_token.");
    }
  }

  /** The thumbprint of the grant's DPoP proof key, or null without DPoP. */
  private String proof(HttpExchange ex) {
    return dpop.grantProof(ex, dpop.requiredForGrants());
  }

  /**
   * {@code POST /oauth/revoke} (RFC 7009): form {@code token} (a refresh or an access token) and an
   * optional {@code token_type_hint}, the client as at the token endpoint, a DPoP proof verified
   * when sent. It ends the token's session and answers 200 with no body, also for a token it does
   * not know; a token bound to a DPoP key needs a proof of that key (400 {@code
   * invalid_dpop_proof}).
   */
  void revoke(HttpExchange ex) throws IOException {
    var form = Form.read(ex);
    var jkt = dpop.grantProof(ex, false);
    checkClient(ex, form);
    var token = form.required("token");
    form.optional("token_type_hint"); // read, so that a repeated one is invalid_request
    try {
      grants.revoke(token, jkt);
    } catch (Grants.Refused e) {
      throw dpop.wrongKey(false, e.getMessage());
    }
    metrics.revocation();
    Http.sendEmpty(ex, 200);
  }

  private void refreshGrant(HttpExchange ex, Form form, String jkt) throws IOException {
    String rt;
    try {
      checkClient(ex, form);
      rt = form.required(REFRESH_TOKEN);
    } catch (ApiException e) {
      // counted like the cookie endpoint's missing or repeated cookie
      metrics.refresh("rejected");
      metrics.tokenEndpoint(REFRESH_TOKEN, "rejected");
      throw e;
    }
    Grants.Pair pair;
    try {
      pair = grants.refresh(rt, jkt);
    } catch (Grants.Refused e) {
      metrics.tokenEndpoint(REFRESH_TOKEN, e.reason().outcome());
      if (e.reason() == Grants.Reason.WRONG_KEY) throw dpop.wrongKey(false, e.getMessage());
      throw new ApiException(400, "invalid_grant", e.getMessage());
    }
    metrics.tokenEndpoint(REFRESH_TOKEN, pair.outcome());
    send(ex, pair);
  }

  private void passwordGrant(HttpExchange ex, Form form, String jkt) throws IOException {
    checkClient(ex, form);
    var username = form.required("username");
    var password = form.required("password");
    Grants.Pair pair;
    try {
      pair =
          grants.login(
              clients.of(ex),
              username,
              password,
              form.optional("captcha_id"),
              form.optional("captcha"),
              jkt);
    } catch (Grants.Refused e) {
      metrics.tokenEndpoint(PASSWORD, e.reason().outcome());
      if (e.reason() == Grants.Reason.THROTTLED) {
        throw new ApiException(429, "too_many_attempts", e.getMessage())
            .header("Retry-After", String.valueOf(e.retryAfterSeconds()));
      }
      throw new ApiException(400, "invalid_grant", e.getMessage());
    }
    metrics.tokenEndpoint(PASSWORD, pair.outcome());
    send(ex, pair);
  }

  /** The public client may name itself; it may not authenticate, nor be another client. */
  private static void checkClient(HttpExchange ex, Form form) {
    var basic = false;
    for (var value : ex.getRequestHeaders().getOrDefault("Authorization", List.of())) {
      basic |= value.strip().split(" ", 2)[0].equalsIgnoreCase("Basic");
    }
    if (basic || form.optional("client_secret") != null) {
      throw invalidClient("The client " + CLIENT_ID + " is public: send no client credentials.");
    }
    var clientId = form.optional("client_id");
    if (clientId != null && !clientId.equals(CLIENT_ID)) throw invalidClient("Unknown client.");
  }

  private static ApiException invalidClient(String message) {
    return new ApiException(401, "invalid_client", message)
        .header("WWW-Authenticate", CLIENT_CHALLENGE);
  }

  /** RFC 6749 §5.1: the pair, no envelope, no cookie. */
  private static void send(HttpExchange ex, Grants.Pair pair) throws IOException {
    var body = new LinkedHashMap<String, Object>();
    body.put("access_token", pair.accessToken());
    body.put("token_type", pair.dpop() ? "DPoP" : "Bearer");
    body.put("expires_in", pair.accessTtl().toSeconds());
    body.put("refresh_token", pair.refreshToken());
    Http.sendJson(ex, 200, body);
  }

  /**
   * The RFC 6749 §5.2 body of an error of this route, also of one raised before its handler (405,
   * 413, a broken {@code Content-Length}) or by the server (503, 500): {@code
   * {"error":"...","error_description":"..."}}. A code outside §5.2 becomes {@code invalid_request}
   * for a 4xx, except {@code too_many_attempts} with 429; {@code temporarily_unavailable} for a 503
   * or {@code store_unavailable} and {@code server_error} for another 5xx (the codes of §4.1.2.1).
   * {@code TokenServerDispatcher.failNextRefresh} maps statuses the same way.
   */
  static Map<String, Object> errorBody(ApiException e) {
    String error;
    if (ERRORS.contains(e.error()) || e.status() == 429) {
      error = e.error();
    } else if (e.status() >= 500) {
      error =
          e.status() == 503 || e.error().equals(DemoServer.STORE_UNAVAILABLE)
              ? "temporarily_unavailable"
              : "server_error";
    } else {
      error = "invalid_request";
    }
    var body = new LinkedHashMap<String, Object>();
    body.put("error", error);
    body.put("error_description", e.getMessage());
    return body;
  }
}
