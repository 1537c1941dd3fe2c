package io.tokenpair.mockwebserver;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;

/**
 * DPoP proofs (RFC 9449) as the demo server's {@code DpopVerifier} checks them: a compact JWS with
 * {@code typ: dpop+jwt}, {@code alg: ES256} and a public P-256 {@code jwk} in its header, signed by
 * that key (JOSE {@code r||s}); claims {@code jti} (never seen before within the {@code iat}
 * window), {@code htm} (the request's method), {@code htu} (its URL: scheme, host, port and path;
 * query and fragment ignored), {@code iat} (at most {@link #MAX_AHEAD_MILLIS} ahead of the clock
 * and {@link #MAX_BEHIND_MILLIS} behind it, as Keycloak allows), {@code ath} (base64url SHA-256 of
 * the access token, on resource calls) and, while nonces are required, {@code nonce} (the current
 * one).
 *
 * <p>Also keeps the current nonce and the counters. Not thread-safe: {@link TokenServerDispatcher}
 * calls it under its lock, and no call blocks.
 */
final class Dpop {
  static final long MAX_AHEAD_MILLIS = 15_000;
  static final long MAX_BEHIND_MILLIS = 25_000;
  static final String HEADER = "DPoP";
  static final String NONCE_HEADER = "DPoP-Nonce";
  static final String INVALID_PROOF = "invalid_dpop_proof";
  static final String USE_NONCE = "use_dpop_nonce";

  /** The curve P-256 (secp256r1): field prime, b, and order. */
  private static final BigInteger P =
      new BigInteger("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 16);

  private static final BigInteger B =
      new BigInteger("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b", 16);
  private static final BigInteger N =
      new BigInteger("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16);

  private static final ECParameterSpec P256 = p256();

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final boolean nonceRequired;
  private final SecureRandom random = new SecureRandom();

  /** The nonce proofs must carry while nonces are required; null otherwise. */
  private String nonce;

  /**
   * {@code jkt:jti} of each accepted proof, to the clock time after which its {@code iat} is out of
   * the window, so that the proof could not be accepted again anyway.
   */
  private final Map<String, Long> seen = new HashMap<>();

  private int nonceChallengeCount;
  private int failureCount;

  Dpop(boolean nonceRequired) {
    this.nonceRequired = nonceRequired;
    if (nonceRequired) rotateNonce();
  }

  /** A refused proof: {@link #nonce} when only a fresh nonce is missing. No stack trace. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    final boolean nonce;

    Failure(boolean nonce, String message) {
      super(message, null, false, false);
      this.nonce = nonce;
    }

    /**
     * The token or revocation endpoint's refusal: 400 {@code invalid_dpop_proof}, or 400 {@code
     * use_dpop_nonce} with the nonce to use.
     */
    Refusal grantRefusal(Dpop dpop) {
      Refusal refusal = new Refusal(400, nonce ? USE_NONCE : INVALID_PROOF, getMessage());
      return nonce ? refusal.header(NONCE_HEADER, dpop.nonce()) : refusal;
    }

    /**
     * A protected resource's refusal: 401 with a {@code DPoP} challenge of {@code
     * invalid_dpop_proof}, or of {@code use_dpop_nonce} with the nonce to use.
     */
    Refusal resourceRefusal(Dpop dpop) {
      String error = nonce ? USE_NONCE : INVALID_PROOF;
      Refusal refusal =
          new Refusal(401, error, getMessage())
              .header("WWW-Authenticate", Answers.dpopChallenge(error));
      return nonce ? refusal.header(NONCE_HEADER, dpop.nonce()) : refusal;
    }
  }

  /** The current nonce, or null when nonces are not required. */
  String nonce() {
    return nonce;
  }

  void rotateNonce() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    nonce = base64Url(bytes);
  }

  int nonceChallengeCount() {
    return nonceChallengeCount;
  }

  int failureCount() {
    return failureCount;
  }

  /** Counts a proof refused outside {@link #verify}, such as one made with the wrong key. */
  Failure failure(String message) {
    failureCount++;
    return new Failure(false, message);
  }

  /** The one {@code DPoP} header, or null when there is none; two are a failure. */
  String header(RecordedRequest request) throws Failure {
    List<String> values = request.getHeaders().values(HEADER);
    if (values.size() > 1) throw failure("Send one DPoP proof.");
    return values.isEmpty() ? null : values.get(0).trim();
  }

  /**
   * Verifies the proof of {@code request}, which must carry one.
   *
   * @param accessToken the access token the request presents, whose hash {@code ath} must carry;
   *     null at the token and revocation endpoints
   * @return the proof key's JWK SHA-256 thumbprint (RFC 7638), base64url
   */
  String verify(RecordedRequest request, String accessToken, long nowMillis) throws Failure {
    String proof = header(request);
    if (proof == null) throw failure("A DPoP proof is required.");
    try {
      return check(proof, request.getMethod(), request.getUrl(), accessToken, nowMillis);
    } catch (Failure e) {
      if (e.nonce) nonceChallengeCount++;
      else failureCount++;
      throw e;
    }
  }

  private String check(String proof, String method, HttpUrl url, String accessToken, long now)
      throws Failure {
    String[] parts = proof.split("\\.", -1);
    if (parts.length != 3) throw invalid("The DPoP proof is not a compact JWS.");
    JsonNode header = json(parts[0]);
    if (!"dpop+jwt".equals(text(header, "typ"))) {
      throw invalid("The DPoP proof's typ must be dpop+jwt.");
    }
    if (!"ES256".equals(text(header, "alg"))) {
      throw invalid("The DPoP proof must be signed with ES256.");
    }
    JsonNode jwk = header.get("jwk");
    if (jwk == null || !jwk.isObject()) throw invalid("The DPoP proof has no jwk.");
    if (jwk.has("d")) throw invalid("The DPoP proof's jwk must not hold a private key.");
    if (!"EC".equals(text(jwk, "kty")) || !"P-256".equals(text(jwk, "crv"))) {
      throw invalid("The DPoP proof's jwk must be an EC P-256 key.");
    }
    byte[] x = coordinate(jwk, "x");
    byte[] y = coordinate(jwk, "y");
    PublicKey key = publicKey(new BigInteger(1, x), new BigInteger(1, y));
    byte[] signature = decode(parts[2]);
    byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    if (signature.length != 64 || !verifies(key, signed, signature)) {
      throw invalid("The DPoP proof's signature is invalid.");
    }

    JsonNode claims = json(parts[1]);
    String jti = text(claims, "jti");
    if (jti == null || jti.isEmpty()) throw invalid("The DPoP proof has no jti.");
    if (!method.equals(text(claims, "htm"))) {
      throw invalid("The DPoP proof's htm is not the request's method.");
    }
    String htu = text(claims, "htu");
    HttpUrl proofUrl = htu == null ? null : HttpUrl.parse(htu);
    if (proofUrl == null
        || !proofUrl.scheme().equals(url.scheme())
        || !proofUrl.host().equals(url.host())
        || proofUrl.port() != url.port()
        || !proofUrl.encodedPath().equals(url.encodedPath())) {
      throw invalid("The DPoP proof's htu is not the request's URL.");
    }
    JsonNode iat = claims.get("iat");
    if (iat == null || !iat.isNumber()) throw invalid("The DPoP proof has no iat.");
    long issuedAt = (long) (iat.asDouble() * 1000);
    if (issuedAt > now + MAX_AHEAD_MILLIS || issuedAt < now - MAX_BEHIND_MILLIS) {
      throw invalid("The DPoP proof's iat is outside the accepted window.");
    }
    if (accessToken != null && !ath(accessToken).equals(text(claims, "ath"))) {
      throw invalid("The DPoP proof's ath is not the hash of the access token.");
    }
    if (nonceRequired) {
      String sent = text(claims, "nonce");
      if (sent == null) throw new Failure(true, "A DPoP nonce is required.");
      if (!sent.equals(nonce)) throw new Failure(true, "The DPoP nonce is stale.");
    }
    String thumbprint = thumbprint(x, y);
    forgetOld(now);
    String id = thumbprint + ":" + jti;
    if (seen.containsKey(id)) throw invalid("The DPoP proof was already used.");
    seen.put(id, issuedAt + MAX_BEHIND_MILLIS); // the same proof is too old after that
    return thumbprint;
  }

  private void forgetOld(long now) {
    for (Iterator<Long> i = seen.values().iterator(); i.hasNext(); ) {
      if (i.next() < now) i.remove();
    }
  }

  /** base64url(SHA-256(ASCII of the access token)), as {@code ath} must be. */
  static String ath(String accessToken) {
    return base64Url(sha256(accessToken.getBytes(StandardCharsets.US_ASCII)));
  }

  /** The RFC 7638 thumbprint of a P-256 key: its required members in lexicographic order. */
  static String thumbprint(byte[] x, byte[] y) {
    String canonical =
        "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\""
            + base64Url(x)
            + "\",\"y\":\""
            + base64Url(y)
            + "\"}";
    return base64Url(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
  }

  private static Failure invalid(String message) {
    return new Failure(false, message);
  }

  private static byte[] coordinate(JsonNode jwk, String name) throws Failure {
    String value = text(jwk, name);
    byte[] bytes = value == null ? null : decode(value);
    if (bytes == null || bytes.length != 32) {
      throw invalid("The DPoP proof's jwk has no 32-byte " + name + ".");
    }
    return bytes;
  }

  /** The point as a key, once it is checked to lie on P-256 (y² = x³ - 3x + b mod p). */
  private static PublicKey publicKey(BigInteger x, BigInteger y) throws Failure {
    boolean onCurve =
        x.compareTo(P) < 0
            && y.compareTo(P) < 0
            && y.pow(2)
                .mod(P)
                .equals(x.pow(3).subtract(x.multiply(BigInteger.valueOf(3))).add(B).mod(P));
    if (!onCurve) throw invalid("The DPoP proof's jwk is not a point of P-256.");
    try {
      return KeyFactory.getInstance("EC")
          .generatePublic(new ECPublicKeySpec(new ECPoint(x, y), P256));
    } catch (GeneralSecurityException e) {
      throw invalid("The DPoP proof's jwk is not a usable key.");
    }
  }

  /** Verifies a JOSE signature ({@code r||s}, 32 bytes each) by converting it to DER. */
  private static boolean verifies(PublicKey key, byte[] signed, byte[] jose) {
    BigInteger r = new BigInteger(1, slice(jose, 0));
    BigInteger s = new BigInteger(1, slice(jose, 32));
    if (r.signum() == 0 || s.signum() == 0 || r.compareTo(N) >= 0 || s.compareTo(N) >= 0) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance("SHA256withECDSA");
      verifier.initVerify(key);
      verifier.update(signed);
      return verifier.verify(der(r, s));
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static byte[] slice(byte[] bytes, int from) {
    byte[] part = new byte[32];
    System.arraycopy(bytes, from, part, 0, 32);
    return part;
  }

  private static byte[] der(BigInteger r, BigInteger s) {
    byte[] rBytes = r.toByteArray();
    byte[] sBytes = s.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream(72);
    out.write(0x30);
    out.write(4 + rBytes.length + sBytes.length); // at most 70: the short form
    out.write(0x02);
    out.write(rBytes.length);
    out.write(rBytes, 0, rBytes.length);
    out.write(0x02);
    out.write(sBytes.length);
    out.write(sBytes, 0, sBytes.length);
    return out.toByteArray();
  }

  private static JsonNode json(String part) throws Failure {
    byte[] bytes = decode(part);
    JsonNode node = null;
    try {
      if (bytes != null) node = MAPPER.readTree(bytes);
    } catch (IOException e) {
      node = null;
    }
    if (node == null || !node.isObject()) throw invalid("The DPoP proof is not a compact JWS.");
    return node;
  }

  /** A string member, or null when it is absent or not a string. */
  private static String text(JsonNode node, String name) {
    JsonNode value = node.get(name);
    return value != null && value.isTextual() ? value.textValue() : null;
  }

  /** Unpadded base64url, or null for anything else. */
  private static byte[] decode(String part) {
    if (part.isEmpty() || part.indexOf('=') >= 0) return null;
    try {
      return Base64.getUrlDecoder().decode(part);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static String base64Url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static ECParameterSpec p256() {
    try {
      AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      return parameters.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
