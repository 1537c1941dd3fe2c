package io.tokenpair.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * Records every request to the authorization server's token endpoint, in front of Spring Security:
 * the grant type, how the client authenticated, the refresh token presented and whether it was in
 * the URL, the status, the RFC 6749 section 5.2 error code and the refresh token issued. This is
 * the server-side count of refreshes the tests assert on. Thread-safe.
 */
final class TokenEndpointRecorder extends OncePerRequestFilter {
  /**
   * One token request and its answer. {@code clientAuthentication} is {@code client_secret_basic},
   * {@code client_secret_post}, {@code bearer} (a bearer token sent to the token endpoint) or
   * {@code none}; {@code presentedRefreshToken}, {@code error} and {@code issuedRefreshToken} are
   * null when absent.
   */
  record Grant(
      String grantType,
      String clientAuthentication,
      String presentedRefreshToken,
      boolean refreshTokenInUrl,
      int status,
      String error,
      String issuedRefreshToken) {
    @Override
    public String toString() {
      // The tokens stay out of assertion messages.
      return "Grant[" + grantType + " -> " + status + (error != null ? " " + error : "") + "]";
    }
  }

  private final ObjectMapper mapper = new ObjectMapper();
  private final List<Grant> grants = new ArrayList<>(); // guarded by this

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
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
              text(body, "refresh_token"));
      synchronized (this) {
        grants.add(grant);
      }
      wrapper.copyBodyToResponse();
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

  synchronized void clear() {
    grants.clear();
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
