package io.tokenpair.demo;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import io.tokenpair.demo.DemoConfig.DpopMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
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
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Checks DPoP proofs (RFC 9449) for {@code --dpop optional|required}: a compact JWS in the one
 * {@code DPoP} header with {@code typ: dpop+jwt}, {@code alg: ES256} and a public P-256 {@code jwk}
 * (a point of the curve, no private member), signed by that key (JOSE {@code r||s}); claims {@code
 * jti} (not seen before while its proof could be accepted), {@code htm} (the method), {@code htu}
 * (scheme, host, port and path of the request as its {@code Host} header names it; query and
 * fragment ignored), {@code iat} (at most {@link #MAX_AHEAD} ahead of the clock and {@link
 * #MAX_BEHIND} behind it, Keycloak's window), {@code ath} (base64url SHA-256 of the access token,
 * on resource calls) and, with {@code --dpop-nonce on}, {@code nonce}: the current one, which is
 * replaced every {@link #NONCE_LIFETIME}. A proof's result is the thumbprint (RFC 7638) of its key,
 * to which tokens are bound ({@code cnf.jkt}).
 *
 * <p>Refusals are {@link ApiException}s: at the token and revocation endpoints 400 {@code
 * invalid_dpop_proof} or {@code use_dpop_nonce} (with {@code DPoP-Nonce}); at a resource 401 with
 * {@code WWW-Authenticate: DPoP realm="tokenpair", error="...", algs="ES256"}. This class is
 * thread-safe.
 */
final class DpopVerifier {
  static final Duration MAX_AHEAD = Duration.ofSeconds(15);
  static final Duration MAX_BEHIND = Duration.ofSeconds(25);
  static final Duration NONCE_LIFETIME = Duration.ofMinutes(5);
  static final String NONCE_HEADER = "DPoP-Nonce";
  static final String INVALID_PROOF = "invalid_dpop_proof";
  static final String USE_NONCE = "use_dpop_nonce";

  /** Beyond this many remembered proofs, the ones out of their window are dropped. */
  private static final int PURGE_ABOVE = 10_000;

  private static final BigInteger P =
      new BigInteger("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 16);
  private static final BigInteger B =
      new BigInteger("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b", 16);
  private static final BigInteger N =
      new BigInteger("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16);
  private static final ECParameterSpec P256 = p256();
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final DpopMode mode;
  private final boolean nonces;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /** {@code jkt:jti} of accepted proofs, to the epoch millis after which their iat is too old. */
  private final Map<String, Long> seen = new ConcurrentHashMap<>();

  private record Nonce(String value, long expiresAtMillis) {}

  /** Guarded by this. */
  private Nonce nonce;

  private final LongAdder accepted = new LongAdder();
  private final LongAdder invalid = new LongAdder();
  private final LongAdder challenged = new LongAdder();

  /** A refused proof; {@code nonce} when only the current nonce is missing. */
  private static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final boolean nonce;

    Failure(boolean nonce, String message) {
      super(message, null, false, false);
      this.nonce = nonce;
    }
  }

  DpopVerifier(DpopMode mode, boolean nonces, Clock clock) {
    this.mode = mode;
    this.nonces = nonces;
    this.clock = clock;
  }

  /** Whether proofs are read at all ({@code --dpop optional} or {@code required}). */
  boolean enabled() {
    return mode != DpopMode.OFF;
  }

  /** Whether every grant at the token endpoint needs a proof ({@code --dpop required}). */
  boolean requiredForGrants() {
    return mode == DpopMode.REQUIRED;
  }

  /** The nonce proofs must carry now, or null without {@code --dpop-nonce on}. */
  synchronized String currentNonce() {
    if (!nonces) return null;
    long now = clock.millis();
    if (nonce == null || now >= nonce.expiresAtMillis()) {
      var bytes = new byte[16];
      random.nextBytes(bytes);
      nonce = new Nonce(base64Url(bytes), now + NONCE_LIFETIME.toMillis());
    }
    return nonce.value();
  }

  long acceptedCount() {
    return accepted.sum();
  }

  long invalidCount() {
    return invalid.sum();
  }

  long nonceChallengeCount() {
    return challenged.sum();
  }

  /**
   * The proof of a request to the token or revocation endpoint: the thumbprint of its key, or null
   * when DPoP is off, or there is no proof and none is {@code required}.
   */
  String grantProof(HttpExchange ex, boolean required) {
    if (!enabled()) return null;
    try {
      var proof = header(ex);
      if (proof == null && !required) return null;
      return verify(ex, proof, null);
    } catch (Failure f) {
      count(f);
      throw grantRefusal(f);
    }
  }

  /** The proof of a resource call presenting {@code accessToken} with the DPoP scheme. */
  String resourceProof(HttpExchange ex, String accessToken) {
    try {
      return verify(ex, header(ex), accessToken);
    } catch (Failure f) {
      count(f);
      throw resourceRefusal(f);
    }
  }

  /** A token bound to another key than the proof's (or proved by none), counted as invalid. */
  ApiException wrongKey(boolean resource, String message) {
    var f = new Failure(false, message);
    count(f);
    return resource ? resourceRefusal(f) : grantRefusal(f);
  }

  /** A {@code DPoP} challenge with {@code error}, the realm first as Keycloak writes it. */
  static String challenge(String error) {
    return "DPoP realm=\"tokenpair\", error=\"" + error + "\", algs=\"ES256\"";
  }

  private ApiException grantRefusal(Failure f) {
    var e = new ApiException(400, f.nonce ? USE_NONCE : INVALID_PROOF, f.getMessage());
    return f.nonce ? e.header(NONCE_HEADER, currentNonce()) : e;
  }

  private ApiException resourceRefusal(Failure f) {
    var error = f.nonce ? USE_NONCE : INVALID_PROOF;
    var e =
        new ApiException(401, error, f.getMessage()).header("WWW-Authenticate", challenge(error));
    return f.nonce ? e.header(NONCE_HEADER, currentNonce()) : e;
  }

  private void count(Failure f) {
    (f.nonce ? challenged : invalid).increment();
  }

  private static String header(HttpExchange ex) throws Failure {
    var values = ex.getRequestHeaders().getOrDefault("DPoP", List.of());
    if (values.size() > 1) throw new Failure(false, "Send one DPoP proof.");
    return values.isEmpty() ? null : values.get(0).strip();
  }

  private String verify(HttpExchange ex, String proof, String accessToken) throws Failure {
    if (proof == null) throw new Failure(false, "A DPoP proof is required.");
    var jkt = check(proof, ex, accessToken);
    accepted.increment();
    return jkt;
  }

  private String check(String proof, HttpExchange ex, String accessToken) throws Failure {
    var parts = proof.split("\\.", -1);
    if (parts.length != 3) throw invalid("The DPoP proof is not a compact JWS.");
    var header = json(parts[0]);
    if (!"dpop+jwt".equals(text(header, "typ"))) {
      throw invalid("The DPoP proof's typ must be dpop+jwt.");
    }
    if (!"ES256".equals(text(header, "alg"))) {
      throw invalid("The DPoP proof must be signed with ES256.");
    }
    var jwk = header.get("jwk");
    if (jwk == null || !jwk.isObject()) throw invalid("The DPoP proof has no jwk.");
    if (jwk.has("d")) throw invalid("The DPoP proof's jwk must not hold a private key.");
    if (!"EC".equals(text(jwk, "kty")) || !"P-256".equals(text(jwk, "crv"))) {
      throw invalid("The DPoP proof's jwk must be an EC P-256 key.");
    }
    var x = coordinate(jwk, "x");
    var y = coordinate(jwk, "y");
    var key = publicKey(new BigInteger(1, x), new BigInteger(1, y));
    var signature = decode(parts[2]);
    var signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    if (signature == null || signature.length != 64 || !verifies(key, signed, signature)) {
      throw invalid("The DPoP proof's signature is invalid.");
    }

    var claims = json(parts[1]);
    var jti = text(claims, "jti");
    if (jti == null || jti.isEmpty()) throw invalid("The DPoP proof has no jti.");
    if (!ex.getRequestMethod().equals(text(claims, "htm"))) {
      throw invalid("The DPoP proof's htm is not the request's method.");
    }
    if (!sameTarget(text(claims, "htu"), ex)) {
      throw invalid("The DPoP proof's htu is not the request's URL.");
    }
    var iat = claims.get("iat");
    if (iat == null || !iat.isNumber()) throw invalid("The DPoP proof has no iat.");
    long issuedAt = (long) (iat.asDouble() * 1000);
    long now = clock.millis();
    if (issuedAt > now + MAX_AHEAD.toMillis() || issuedAt < now - MAX_BEHIND.toMillis()) {
      throw invalid("The DPoP proof's iat is outside the accepted window.");
    }
    if (accessToken != null && !ath(accessToken).equals(text(claims, "ath"))) {
      throw invalid("The DPoP proof's ath is not the hash of the access token.");
    }
    if (nonces) {
      var sent = text(claims, "nonce");
      if (sent == null) throw new Failure(true, "A DPoP nonce is required.");
      if (!sent.equals(currentNonce())) throw new Failure(true, "The DPoP nonce is stale.");
    }
    var thumbprint = thumbprint(x, y);
    if (seen.size() > PURGE_ABOVE) seen.values().removeIf(until -> until < now);
    if (seen.putIfAbsent(thumbprint + ":" + jti, issuedAt + MAX_BEHIND.toMillis()) != null) {
      throw invalid("The DPoP proof was already used.");
    }
    return thumbprint;
  }

  /** Whether {@code htu} names the request: scheme, host and port of its Host header, path. */
  private static boolean sameTarget(String htu, HttpExchange ex) {
    var host = ex.getRequestHeaders().getFirst("Host");
    if (htu == null || host == null) return false;
    try {
      var claimed = new URI(htu);
      var scheme = Http.isHttps(ex) ? "https" : "http";
      var actual = new URI(scheme + "://" + host.strip() + ex.getRequestURI().getRawPath());
      return claimed.getScheme() != null
          && claimed.getHost() != null
          && claimed.getScheme().toLowerCase(Locale.ROOT).equals(scheme)
          && claimed
              .getHost()
              .toLowerCase(Locale.ROOT)
              .equals(actual.getHost().toLowerCase(Locale.ROOT))
          && port(claimed) == port(actual)
          && claimed.getRawPath().equals(actual.getRawPath());
    } catch (URISyntaxException | NullPointerException e) {
      return false;
    }
  }

  private static int port(URI uri) {
    if (uri.getPort() >= 0) return uri.getPort();
    return uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  /** base64url(SHA-256(ASCII of the access token)), as {@code ath} must be. */
  static String ath(String accessToken) {
    return base64Url(sha256(accessToken.getBytes(StandardCharsets.US_ASCII)));
  }

  /** The RFC 7638 thumbprint of a P-256 key. */
  static String thumbprint(byte[] x, byte[] y) {
    var canonical =
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
    var value = text(jwk, name);
    var bytes = value == null ? null : decode(value);
    if (bytes == null || bytes.length != 32) {
      throw invalid("The DPoP proof's jwk has no 32-byte " + name + ".");
    }
    return bytes;
  }

  /** The point as a key, once it is checked to lie on P-256 (y² = x³ - 3x + b mod p). */
  private static PublicKey publicKey(BigInteger x, BigInteger y) throws Failure {
    var right = x.pow(3).subtract(x.multiply(BigInteger.valueOf(3))).add(B).mod(P);
    if (x.compareTo(P) >= 0 || y.compareTo(P) >= 0 || !y.pow(2).mod(P).equals(right)) {
      throw invalid("The DPoP proof's jwk is not a point of P-256.");
    }
    try {
      return KeyFactory.getInstance("EC")
          .generatePublic(new ECPublicKeySpec(new ECPoint(x, y), P256));
    } catch (GeneralSecurityException e) {
      throw invalid("The DPoP proof's jwk is not a usable key.");
    }
  }

  /** Verifies a JOSE signature ({@code r||s}) by converting it to DER. */
  private static boolean verifies(PublicKey key, byte[] signed, byte[] jose) {
    var r = new BigInteger(1, Arrays.copyOfRange(jose, 0, 32));
    var s = new BigInteger(1, Arrays.copyOfRange(jose, 32, 64));
    if (r.signum() == 0 || s.signum() == 0 || r.compareTo(N) >= 0 || s.compareTo(N) >= 0) {
      return false;
    }
    try {
      var verifier = Signature.getInstance("SHA256withECDSA");
      verifier.initVerify(key);
      verifier.update(signed);
      return verifier.verify(der(r, s));
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static byte[] der(BigInteger r, BigInteger s) {
    var rBytes = r.toByteArray();
    var sBytes = s.toByteArray();
    var out = new ByteArrayOutputStream(72);
    out.write(0x30);
    out.write(4 + rBytes.length + sBytes.length); // at most 70: the short form
    out.write(0x02);
    out.write(rBytes.length);
    out.writeBytes(rBytes);
    out.write(0x02);
    out.write(sBytes.length);
    out.writeBytes(sBytes);
    return out.toByteArray();
  }

  private static JsonNode json(String part) throws Failure {
    var bytes = decode(part);
    JsonNode node = null;
    try {
      if (bytes != null) node = MAPPER.readTree(bytes);
    } catch (IOException e) {
      node = null;
    }
    if (node == null || !node.isObject()) throw invalid("The DPoP proof is not a compact JWS.");
    return node;
  }

  private static String text(JsonNode node, String name) {
    var value = node.get(name);
    return value != null && value.isTextual() ? value.textValue() : null;
  }

  private static byte[] decode(String part) {
    if (part.isEmpty() || part.indexOf('=') >= 0) return null;
    try {
      return Base64.getUrlDecoder().decode(part);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String base64Url(byte[] bytes) {
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
      var parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      return parameters.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
