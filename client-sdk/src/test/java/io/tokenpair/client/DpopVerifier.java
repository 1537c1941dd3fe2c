package io.tokenpair.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A server-side DPoP proof check (RFC 9449 section 4.3), written against the JDK and
 * jackson-databind only, so that it shares no code with the SDK's proof maker: the JWS's three
 * parts, {@code typ}, {@code alg}, the public {@code jwk} (P-256, x and y of 32 bytes, no private
 * part), the ES256 signature in JOSE's r||s form (checked with the JDK's P1363 format), {@code jti}
 * unique, {@code htm}, {@code htu}, {@code iat}, {@code ath} and {@code nonce}.
 *
 * <p>Thread-safe.
 */
final class DpopVerifier {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Set<String> seenJtis = ConcurrentHashMap.newKeySet();

  /** A verified proof. */
  static final class Proof {
    final JsonNode header;
    final JsonNode claims;

    /** The RFC 7638 thumbprint of its {@code jwk}. */
    final String jkt;

    Proof(JsonNode header, JsonNode claims, String jkt) {
      this.header = header;
      this.claims = claims;
      this.jkt = jkt;
    }
  }

  /**
   * Verifies {@code proof} for a {@code method} request to {@code htu}, presenting {@code
   * accessToken} (null: none, so no {@code ath}), with {@code nonce} (null: no nonce expected).
   *
   * @throws IllegalArgumentException naming what is wrong.
   */
  Proof verify(
      String proof, String method, String htu, String accessToken, String nonce, long nowSeconds)
      throws Exception {
    if (proof == null) throw new IllegalArgumentException("no DPoP header");
    String[] parts = proof.split("\\.", -1);
    if (parts.length != 3) throw new IllegalArgumentException("not a compact JWS");
    JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
    JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    byte[] signature = Base64.getUrlDecoder().decode(parts[2]);
    require(header.path("typ").asText().equals("dpop+jwt"), "typ");
    require(header.path("alg").asText().equals("ES256"), "alg");
    JsonNode jwk = header.path("jwk");
    require(
        jwk.path("kty").asText().equals("EC") && jwk.path("crv").asText().equals("P-256"), "jwk");
    require(!jwk.has("d"), "jwk holds a private key");
    byte[] x = Base64.getUrlDecoder().decode(jwk.path("x").asText());
    byte[] y = Base64.getUrlDecoder().decode(jwk.path("y").asText());
    require(x.length == 32 && y.length == 32, "jwk coordinates are not 32 bytes");
    require(signature.length == 64, "signature is not r||s of 64 bytes");
    Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
    verifier.initVerify(publicKey(x, y));
    verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    require(verifier.verify(signature), "signature");
    String jti = claims.path("jti").asText();
    require(!jti.isEmpty() && seenJtis.add(jti), "jti missing or replayed");
    require(claims.path("htm").asText().equals(method), "htm " + claims.path("htm"));
    require(claims.path("htu").asText().equals(htu), "htu " + claims.path("htu") + " != " + htu);
    require(claims.path("iat").isIntegralNumber(), "iat");
    require(Math.abs(claims.path("iat").asLong() - nowSeconds) <= 60, "iat window");
    if (accessToken != null) {
      require(claims.path("ath").asText().equals(sha256(accessToken)), "ath");
    } else {
      require(!claims.has("ath"), "ath without an access token");
    }
    if (nonce != null) require(nonce.equals(claims.path("nonce").asText(null)), "nonce");
    return new Proof(header, claims, thumbprint(jwk));
  }

  /** The RFC 7638 thumbprint of an EC {@code jwk}. */
  static String thumbprint(JsonNode jwk) throws Exception {
    String canonical =
        "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\""
            + jwk.path("x").asText()
            + "\",\"y\":\""
            + jwk.path("y").asText()
            + "\"}";
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(
            MessageDigest.getInstance("SHA-256")
                .digest(canonical.getBytes(StandardCharsets.UTF_8)));
  }

  static String sha256(String text) throws Exception {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.US_ASCII)));
  }

  /** The {@code nonce} claim of a proof, unverified, or null. */
  static String nonceOf(String proof) throws Exception {
    if (proof == null) return null;
    String[] parts = proof.split("\\.", -1);
    if (parts.length != 3) return null;
    return JSON.readTree(Base64.getUrlDecoder().decode(parts[1])).path("nonce").asText(null);
  }

  private static PublicKey publicKey(byte[] x, byte[] y) throws Exception {
    AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
    parameters.init(new ECGenParameterSpec("secp256r1"));
    ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
    ECPoint point = new ECPoint(new BigInteger(1, x), new BigInteger(1, y));
    return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
  }

  private static void require(boolean condition, String what) {
    if (!condition) throw new IllegalArgumentException("DPoP proof: " + what);
  }
}
