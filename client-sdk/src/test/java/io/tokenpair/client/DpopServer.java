package io.tokenpair.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;

/**
 * An authorization server ({@code /token}: password and refresh_token grants; {@code /revoke}) and
 * a resource server ({@code /api/...}) that demand DPoP as Keycloak or oidc-provider do: every
 * proof verified by {@link DpopVerifier}, nonces per origin when {@link #requireNonces} (a 400 or
 * 401 {@code use_dpop_nonce}, checked before any credential is looked at), rotating refresh tokens
 * bound to the key's thumbprint, reuse of a spent one counted, and access tokens bound likewise.
 */
final class DpopServer {
  final MockWebServer idp;
  final MockWebServer api;
  final FakeClock clock;
  final DpopVerifier verifier = new DpopVerifier();

  volatile boolean requireNonces = true;
  volatile String idpNonce = "idp-nonce-1";
  volatile String apiNonce = "api-nonce-1";

  /** When set, {@code /revoke} answers this status. */
  volatile int revocationStatus = 200;

  /** Answer every token request with a nonce challenge, even one with the current nonce. */
  volatile boolean alwaysChallengeAtTheTokenEndpoint;

  final AtomicInteger logins = new AtomicInteger();
  final AtomicInteger refreshes = new AtomicInteger();
  final AtomicInteger revocations = new AtomicInteger();
  final AtomicInteger idpNonceChallenges = new AtomicInteger();
  final AtomicInteger apiNonceChallenges = new AtomicInteger();
  final AtomicInteger reuses = new AtomicInteger();
  final AtomicInteger apiOk = new AtomicInteger();
  final List<String> proofFailures = new CopyOnWriteArrayList<>();

  /** Each refresh token presented in a request that passed the proof and nonce checks. */
  final List<String> presented = new CopyOnWriteArrayList<>();

  /** The thumbprints of the keys that signed proofs, in order. */
  final List<String> thumbprints = new CopyOnWriteArrayList<>();

  /** Live refresh tokens and access tokens, each with the thumbprint it is bound to. */
  final Map<String, String> refreshTokens = new ConcurrentHashMap<>();

  final Map<String, String> accessTokens = new ConcurrentHashMap<>();
  final Set<String> spent = ConcurrentHashMap.newKeySet();
  private final AtomicInteger serial = new AtomicInteger();

  DpopServer(MockWebServer idp, MockWebServer api, FakeClock clock) {
    this.idp = idp;
    this.api = api;
    this.clock = clock;
    idp.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            try {
              return authorizationServer(request);
            } catch (Exception e) {
              proofFailures.add("idp: " + e);
              return json(500, "{}");
            }
          }
        });
    api.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            try {
              return resourceServer(request);
            } catch (Exception e) {
              proofFailures.add("api: " + e);
              return json(500, "{}");
            }
          }
        });
  }

  HttpUrl tokenEndpoint() {
    return idp.url("/token");
  }

  HttpUrl revocationEndpoint() {
    return idp.url("/revoke");
  }

  /** Ends every access token, as their expiry would. */
  void expireAccessTokens() {
    accessTokens.clear();
  }

  private long now() {
    return TimeUnit.MILLISECONDS.toSeconds(clock.currentTimeMillis());
  }

  private MockResponse authorizationServer(RecordedRequest request) throws Exception {
    String path = request.getUrl().encodedPath();
    String proof = request.getHeaders().get("DPoP");
    DpopVerifier.Proof verified;
    try {
      verified = verifier.verify(proof, "POST", idp.url(path).toString(), null, null, now());
    } catch (IllegalArgumentException e) {
      proofFailures.add(path + ": " + e.getMessage());
      return json(400, "{\"error\":\"invalid_dpop_proof\"}");
    }
    thumbprints.add(verified.jkt);
    String nonce = verified.claims.path("nonce").asText(null);
    if (alwaysChallengeAtTheTokenEndpoint || (requireNonces && !idpNonce.equals(nonce))) {
      idpNonceChallenges.incrementAndGet();
      return json(400, "{\"error\":\"use_dpop_nonce\"}");
    }
    Map<String, String> form = form(request.getBody().utf8());
    if (path.equals("/revoke")) {
      revocations.incrementAndGet();
      String token = form.get("token");
      boolean known = token != null && refreshTokens.remove(token) != null;
      if (revocationStatus != 200) return json(revocationStatus, "{}");
      return json(200, known ? "{}" : "{\"error\":\"invalid_token\"}"); // Keycloak's way.
    }
    String jkt = verified.jkt;
    switch (String.valueOf(form.get("grant_type"))) {
      case "password":
        logins.incrementAndGet();
        return grant(jkt);
      case "refresh_token":
        String token = form.get("refresh_token");
        presented.add(token);
        if (spent.contains(token)) {
          reuses.incrementAndGet();
          return json(400, "{\"error\":\"invalid_grant\"}");
        }
        String boundTo = refreshTokens.remove(token);
        if (boundTo == null) return json(400, "{\"error\":\"invalid_grant\"}");
        spent.add(token);
        if (!boundTo.equals(jkt)) {
          proofFailures.add("refresh token bound to another key");
          return json(400, "{\"error\":\"invalid_grant\"}");
        }
        refreshes.incrementAndGet();
        return grant(jkt);
      default:
        return json(400, "{\"error\":\"unsupported_grant_type\"}");
    }
  }

  private MockResponse grant(String jkt) {
    int n = serial.incrementAndGet();
    String accessToken = "at-" + n;
    String refreshToken = "rt-" + n;
    accessTokens.put(accessToken, jkt);
    refreshTokens.put(refreshToken, jkt);
    return json(
        200,
        "{\"access_token\":\""
            + accessToken
            + "\",\"token_type\":\"DPoP\",\"expires_in\":300,\"refresh_token\":\""
            + refreshToken
            + "\"}");
  }

  private MockResponse resourceServer(RecordedRequest request) throws Exception {
    String authorization = request.getHeaders().get("Authorization");
    if (authorization == null || !authorization.startsWith("DPoP ")) {
      return challenge("DPoP algs=\"ES256\"");
    }
    String token = authorization.substring(5);
    String path = request.getUrl().encodedPath();
    DpopVerifier.Proof verified;
    try {
      verified =
          verifier.verify(
              request.getHeaders().get("DPoP"),
              request.getMethod(),
              api.url(path).toString(),
              token,
              null,
              now());
    } catch (IllegalArgumentException e) {
      proofFailures.add(path + ": " + e.getMessage());
      return challenge("DPoP error=\"invalid_dpop_proof\", algs=\"ES256\"");
    }
    thumbprints.add(verified.jkt);
    if (requireNonces && !apiNonce.equals(verified.claims.path("nonce").asText(null))) {
      apiNonceChallenges.incrementAndGet();
      return challenge("DPoP realm=\"api\", error=\"use_dpop_nonce\", algs=\"ES256\"");
    }
    String boundTo = accessTokens.get(token);
    if (boundTo == null || !boundTo.equals(verified.jkt)) {
      return challenge("DPoP realm=\"api\", algs=\"ES256\", error=\"invalid_token\"");
    }
    apiOk.incrementAndGet();
    return new MockResponse.Builder().addHeader("DPoP-Nonce", apiNonce).body("ok").build();
  }

  private MockResponse challenge(String wwwAuthenticate) {
    return new MockResponse.Builder()
        .code(401)
        .addHeader("WWW-Authenticate", wwwAuthenticate)
        .addHeader("DPoP-Nonce", apiNonce)
        .build();
  }

  private MockResponse json(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/json")
        .addHeader("Cache-Control", "no-store")
        .addHeader("DPoP-Nonce", idpNonce)
        .body(body)
        .build();
  }

  static Map<String, String> form(String body) throws Exception {
    Map<String, String> result = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int equals = pair.indexOf('=');
      if (equals < 0) continue;
      result.put(
          java.net.URLDecoder.decode(pair.substring(0, equals), "UTF-8"),
          java.net.URLDecoder.decode(pair.substring(equals + 1), "UTF-8"));
    }
    return result;
  }
}
