package io.tokenpair.demo;

import com.sun.net.httpserver.HttpExchange;
import java.util.List;
import java.util.Set;

/**
 * CSRF and CORS rules. Only origins given with {@code --cors-origin} are allowed, by exact match;
 * an arbitrary origin is never echoed. A request without {@code Origin} (curl, native apps) is not
 * a cross-site browser request and passes. This class is thread-safe.
 */
final class OriginPolicy {
  private final Set<String> allowed;

  OriginPolicy(List<String> allowed) {
    this.allowed = Set.copyOf(allowed);
  }

  boolean isAllowed(String origin) {
    return allowed.contains(origin);
  }

  /** Adds the CORS response headers when the request's origin is allowed; always {@code Vary}. */
  void decorate(HttpExchange ex) {
    var headers = ex.getResponseHeaders();
    headers.add("Vary", "Origin");
    var origin = ex.getRequestHeaders().getFirst("Origin");
    if (origin != null && isAllowed(origin)) {
      headers.set("Access-Control-Allow-Origin", origin);
      headers.set("Access-Control-Allow-Credentials", "true");
      headers.set("Access-Control-Expose-Headers", "WWW-Authenticate, Retry-After, DPoP-Nonce");
    }
  }

  /** For cookie-authenticated endpoints: a present, foreign {@code Origin} gets 403. */
  void requireAllowedOrPresentless(HttpExchange ex) {
    var origins = ex.getRequestHeaders().get("Origin");
    if (origins == null || origins.isEmpty()) return;
    if (origins.size() > 1 || !isAllowed(origins.get(0))) {
      throw new ApiException(
          403, "origin_not_allowed", "Requests from this origin are not allowed.");
    }
  }

  /** Answers a CORS preflight: 204 with the allowed methods, or 403 for a foreign origin. */
  void preflight(HttpExchange ex, String allow) {
    var headers = ex.getResponseHeaders();
    headers.set("Allow", allow);
    var origin = ex.getRequestHeaders().getFirst("Origin");
    if (origin == null) return;
    if (!isAllowed(origin)) {
      throw new ApiException(
          403, "origin_not_allowed", "Requests from this origin are not allowed.");
    }
    headers.set("Access-Control-Allow-Methods", allow);
    headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type, DPoP");
    headers.set("Access-Control-Max-Age", "600");
  }
}
