package io.tokenpair.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import okio.ByteString;

/**
 * Reads the expiry of a JWT access token without verifying it: the client trusts the server that
 * issued it and needs {@code exp} only to refresh ahead of time. Opaque tokens have no known
 * expiry.
 */
final class Jwt {
  /** The expiry of a token that is not a JWT, or has no numeric {@code exp}. */
  static final long UNKNOWN_EXPIRY = Long.MAX_VALUE;

  private Jwt() {}

  /**
   * Returns the token's {@code exp} in epoch milliseconds, or {@link #UNKNOWN_EXPIRY}. Never
   * throws.
   */
  static long expiresAtMillis(String token, ObjectMapper mapper) {
    int firstDot = token.indexOf('.');
    int secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
    if (secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) return UNKNOWN_EXPIRY;
    // Okio's decoder accepts both the standard and the URL-safe alphabet, with or without padding.
    ByteString payload = ByteString.decodeBase64(token.substring(firstDot + 1, secondDot));
    if (payload == null) return UNKNOWN_EXPIRY;
    try {
      JsonNode exp = mapper.readTree(payload.toByteArray()).get("exp");
      if (exp == null || !exp.isNumber()) return UNKNOWN_EXPIRY;
      double seconds = exp.asDouble();
      if (seconds <= 0 || seconds >= Long.MAX_VALUE / 1000d) return UNKNOWN_EXPIRY;
      return (long) (seconds * 1000d);
    } catch (IOException | RuntimeException e) {
      return UNKNOWN_EXPIRY;
    }
  }
}
