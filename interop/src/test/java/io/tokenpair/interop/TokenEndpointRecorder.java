package io.tokenpair.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.SignedJWT;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * Records every request to the authorization server's token endpoint, in front of Spring Security:
 * the grant type, how the client authenticated, the refresh token presented and whether it was in
 * the URL, the status, the RFC 6749 section 5.2 error code, the refresh token issued, and for DPoP
 * (RFC 9449) the key of the request's proof and the key the issued access token is bound to. This
 * is the server-side count of refreshes the tests assert on. It also records the requests to the
 * revocation endpoint (RFC 7009), apart. Thread-safe.
 */
final class TokenEndpointRecorder extends OncePerRequestFilter {
  /**
   * One token request and its answer. {@code clientAuthentication} is {@code client_secret_basic},
   * {@code client_secret_post}, {@code bearer} (a bearer token sent to the token endpoint) or
   * {@code none}; {@code presentedRefreshToken}, {@code error} and {@code issuedRefreshToken} are
   * null when absent. {@code proofKey} is the RFC 7638 thumbprint of the public key in the
   * request's {@code DPoP} proof (read, not verified: Spring verifies it), {@code tokenType} the
   * answer's {@code token_type}, and {@code boundKey} the {@code cnf.jkt} of the issued access
   * token; each null when absent.
   */
  record Grant(
      String grantType,
      String clientAuthentication,
      String presentedRefreshToken,
      boolean refreshTokenInUrl,
      int status,
      String error,
      String issuedRefreshToken,
      String proofKey,
      String tokenType,
      String boundKey) {
    @Override
    public String toString() {
      // The tokens stay out of assertion messages.
      return "Grant[" + grantType + " -> " + status + (error != null ? " " + error : "") + "]";
    }
  }

  /**
   * One request to the revocation endpoint: how the client authenticated, the token and its {@code
   * token_type_hint}, the {@code DPoP} proof's key thumbprint (null without a proof) and the
   * status.
   */
  record Revocation(
      String clientAuthentication,
      String token,
      String tokenTypeHint,
      String proofKey,
      int status) {
    @Override
    public String toString() {
      return "Revocation[" + tokenTypeHint + " -> " + status + "]";
    }
  }

  /** Where the revocation endpoint is; every other path this filter sees is the token endpoint. */
  static final String REVOCATION_PATH = "/oauth2/revoke";

  private final ObjectMapper mapper = new ObjectMapper();
  private final List<Grant> grants = new ArrayList<>(); // guarded by this
  private final List<Revocation> revocations = new ArrayList<>(); // guarded by this

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (REVOCATION_PATH.equals(request.getRequestURI())) {
      recordRevocation(request, response, chain);
      return;
    }
    String grantType = request.getParameter("grant_type");
    String presented = request.getParameter("refresh_token");
    String query = request.getQueryString();
    boolean inUrl = query != null && query.contains("refresh_token");
    ContentCachingResponseWrapper wrapper = new ContentCachingResponseWrapper(response);
    try {
      chain.doFilter(request, wrapper);
    } finally {
      JsonNode body = readJson(wrapper.getContentAsByteArray());
      Grant grant =
          new Grant(
              grantType,
              clientAuthentication(request),
              presented,
              inUrl,
              wrapper.getStatus(),
              text(body, "error"),
              text(body, "refresh_token"),
              proofKey(request),
              text(body, "token_type"),
              boundKey(text(body, "access_token")));
      synchronized (this) {
        grants.add(grant);
      }
      wrapper.copyBodyToResponse();
    }
  }

  private void recordRevocation(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String token = request.getParameter("token");
    String hint = request.getParameter("token_type_hint");
    try {
      chain.doFilter(request, response);
    } finally {
      Revocation revocation =
          new Revocation(
              clientAuthentication(request), token, hint, proofKey(request), response.getStatus());
      synchronized (this) {
        revocations.add(revocation);
      }
    }
  }

  /** Returns every token request recorded since the last {@link #clear()}, in order. */
  synchronized List<Grant> grants() {
    return List.copyOf(grants);
  }

  /** Returns the {@code refresh_token} grants recorded since the last {@link #clear()}. */
  List<Grant> refreshGrants() {
    return grants().stream()
        .filter(g -> "refresh_token".equals(g.grantType()))
        .collect(Collectors.toList());
  }

  /** Returns the refresh token of the last answer that issued one. */
  String lastIssuedRefreshToken() {
    List<Grant> all = grants();
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).issuedRefreshToken() != null) return all.get(i).issuedRefreshToken();
    }
    throw new IllegalStateException("No refresh token issued yet.");
  }

  /** Returns every revocation request recorded since the last {@link #clear()}, in order. */
  synchronized List<Revocation> revocations() {
    return List.copyOf(revocations);
  }

  synchronized void clear() {
    grants.clear();
    revocations.clear();
  }

  /** The thumbprint of the key in the request's {@code DPoP} proof, or null. */
  private static String proofKey(HttpServletRequest request) {
    String proof = request.getHeader("DPoP");
    if (proof == null) return null;
    try {
      JWK key = SignedJWT.parse(proof).getHeader().getJWK();
      return key != null ? key.computeThumbprint().toString() : null;
    } catch (ParseException | JOSEException unreadable) {
      return null;
    }
  }

  /** The {@code cnf.jkt} of a JWT access token, or null (none, or an opaque token). */
  private static String boundKey(String accessToken) {
    if (accessToken == null) return null;
    try {
      Map<String, Object> cnf =
          SignedJWT.parse(accessToken).getJWTClaimsSet().getJSONObjectClaim("cnf");
      Object jkt = cnf != null ? cnf.get("jkt") : null;
      return jkt instanceof String ? (String) jkt : null;
    } catch (ParseException opaque) {
      return null;
    }
  }

  private static String clientAuthentication(HttpServletRequest request) {
    String authorization = request.getHeader("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return "client_secret_basic";
    }
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return "bearer";
    }
    return request.getParameter("client_secret") != null ? "client_secret_post" : "none";
  }

  private JsonNode readJson(byte[] body) {
    try {
      return body.length == 0 ? null : mapper.readTree(body);
    } catch (IOException notJson) {
      return null;
    }
  }

  private static String text(JsonNode body, String field) {
    JsonNode value = body != null ? body.get(field) : null;
    return value != null && value.isTextual() ? value.asText() : null;
  }
}
