package io.tokenpair.client;

import java.io.IOException;
import okio.ByteString;

/**
 * The two times of a JWT access token that the client needs, read without verifying it: the client
 * trusts the server that issued the token and reads {@code exp} only to refresh ahead of time, and
 * {@code iat} to know the token's lifetime and the server's clock. Opaque tokens have neither.
 *
 * <p>Immutable.
 */
final class Jwt {
  /** The value of a time that the token does not carry (not a JWT, or no numeric claim). */
  static final long UNKNOWN = Long.MAX_VALUE;

  static final Jwt OPAQUE = new Jwt(UNKNOWN, UNKNOWN, false);

  /** Epoch millis of {@code exp}, by the server's clock, or {@link #UNKNOWN}. */
  final long expiresAtMillis;

  /** Epoch millis of {@code iat}, by the server's clock, or {@link #UNKNOWN}. */
  final long issuedAtMillis;

  /** Whether the token names the key it is bound to ({@code cnf.jkt}, RFC 9449 section 6). */
  final boolean keyBound;

  private Jwt(long expiresAtMillis, long issuedAtMillis, boolean keyBound) {
    this.expiresAtMillis = expiresAtMillis;
    this.issuedAtMillis = issuedAtMillis;
    this.keyBound = keyBound;
  }

  /** Returns the times of {@code token}; {@link #OPAQUE} if it is not a JWT. Never throws. */
  static Jwt parse(String token) {
    int firstDot = token.indexOf('.');
    int secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
    if (secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) return OPAQUE;
    // Okio's decoder accepts both the standard and the URL-safe alphabet, with or without padding.
    ByteString payload = ByteString.decodeBase64(token.substring(firstDot + 1, secondDot));
    if (payload == null) return OPAQUE;
    try {
      Object claims = Json.parse(payload.toByteArray());
      if (!(claims instanceof java.util.Map)) return OPAQUE;
      boolean keyBound = Json.text(Json.get(Json.get(claims, "cnf"), "jkt")) != null;
      return new Jwt(millis(Json.get(claims, "exp")), millis(Json.get(claims, "iat")), keyBound);
    } catch (IOException | RuntimeException e) {
      return OPAQUE;
    }
  }

  private static long millis(Object seconds) {
    Number number = Json.number(seconds);
    if (number == null) return UNKNOWN;
    double value = number.doubleValue();
    if (value <= 0 || value >= Long.MAX_VALUE / 1000d) return UNKNOWN;
    return (long) (value * 1000d);
  }
}
