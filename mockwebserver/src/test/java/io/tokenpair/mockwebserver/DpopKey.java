package io.tokenpair.mockwebserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * An EC P-256 key that makes DPoP proofs (RFC 9449) with the JDK alone, as a client would: the JDK
 * signs in DER, the proof carries the JOSE form {@code r||s}. Not thread-safe.
 */
final class DpopKey {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final KeyPair pair;
  final String x;
  final String y;

  DpopKey() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      pair = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
    ECPublicKey key = (ECPublicKey) pair.getPublic();
    x = base64Url(unsigned(key.getW().getAffineX()));
    y = base64Url(unsigned(key.getW().getAffineY()));
  }

  /** The RFC 7638 thumbprint. */
  String thumbprint() {
    String json = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
    return base64Url(sha256(json.getBytes(StandardCharsets.UTF_8)));
  }

  /** A proof for {@code method} and {@code url}, issued at {@code iatSeconds}. */
  Proof proof(String method, String url, long iatSeconds) {
    return new Proof(method, url, iatSeconds);
  }

  /** One proof's fields, each changeable before {@link #sign()}. */
  final class Proof {
    String typ = "dpop+jwt";
    String alg = "ES256";
    String htm;
    String htu;
    long iat;
    String jti = UUID.randomUUID().toString();
    String ath;
    String nonce;
    boolean privateKeyInJwk;
    boolean badSignature;

    Proof(String method, String url, long iatSeconds) {
      this.htm = method;
      this.htu = url;
      this.iat = iatSeconds;
    }

    Proof accessToken(String token) {
      ath = base64Url(sha256(token.getBytes(StandardCharsets.US_ASCII)));
      return this;
    }

    Proof nonce(String nonce) {
      this.nonce = nonce;
      return this;
    }

    String sign() {
      Map<String, Object> jwk = new LinkedHashMap<>();
      jwk.put("kty", "EC");
      jwk.put("crv", "P-256");
      jwk.put("x", x);
      jwk.put("y", y);
      if (privateKeyInJwk) jwk.put("d", x);
      Map<String, Object> header = new LinkedHashMap<>();
      header.put("typ", typ);
      header.put("alg", alg);
      header.put("jwk", jwk);
      Map<String, Object> claims = new LinkedHashMap<>();
      claims.put("jti", jti);
      claims.put("htm", htm);
      claims.put("htu", htu);
      claims.put("iat", iat);
      if (ath != null) claims.put("ath", ath);
      if (nonce != null) claims.put("nonce", nonce);
      String signed = base64Url(json(header)) + "." + base64Url(json(claims));
      byte[] jose;
      try {
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(pair.getPrivate());
        signer.update(signed.getBytes(StandardCharsets.US_ASCII));
        jose = joseSignature(signer.sign());
      } catch (GeneralSecurityException e) {
        throw new AssertionError(e);
      }
      if (badSignature) jose[10] ^= 1;
      return signed + "." + base64Url(jose);
    }
  }

  /** DER {@code SEQUENCE { INTEGER r, INTEGER s }} to {@code r||s}, 32 bytes each. */
  static byte[] joseSignature(byte[] der) {
    int offset = der[1] == (byte) 0x81 ? 3 : 2;
    int rLength = der[offset + 1];
    BigInteger r =
        new BigInteger(1, java.util.Arrays.copyOfRange(der, offset + 2, offset + 2 + rLength));
    int sOffset = offset + 2 + rLength;
    int sLength = der[sOffset + 1];
    BigInteger s =
        new BigInteger(1, java.util.Arrays.copyOfRange(der, sOffset + 2, sOffset + 2 + sLength));
    byte[] jose = new byte[64];
    byte[] rBytes = unsigned(r);
    byte[] sBytes = unsigned(s);
    System.arraycopy(rBytes, 0, jose, 0, 32);
    System.arraycopy(sBytes, 0, jose, 32, 32);
    return jose;
  }

  /** Exactly 32 bytes, big-endian, left-padded. */
  static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    byte[] out = new byte[32];
    int copy = Math.min(bytes.length, 32);
    System.arraycopy(bytes, bytes.length - copy, out, 32 - copy, copy);
    return out;
  }

  static String base64Url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static byte[] json(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
