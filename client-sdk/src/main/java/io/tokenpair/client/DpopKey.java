package io.tokenpair.client;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.Charset;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/**
 * One session's DPoP key pair (RFC 9449): EC P-256, signing ES256, with the parts of each proof
 * that depend on the key alone (the protected header with the public {@code jwk}) made once.
 * Signing goes through {@link Signature}, so a hardware key (AndroidKeyStore) works.
 *
 * <p>Immutable and thread-safe. {@code toString()} shows no key material.
 */
final class DpopKey {
  static final Charset UTF_8 = Charset.forName("UTF-8");

  /** The bytes of a P-256 coordinate and of each half of an ES256 signature. */
  private static final int FIELD_BYTES = 32;

  final KeyPair pair;

  /** base64url of {@code {"typ":"dpop+jwt","alg":"ES256","jwk":{...}}}, then a dot. */
  final String encodedHeader;

  private DpopKey(KeyPair pair, String encodedHeader) {
    this.pair = pair;
    this.encodedHeader = encodedHeader;
  }

  /** The order of P-256's base point (FIPS 186-4, D.1.2.3): the curve's one sure fingerprint. */
  private static final java.math.BigInteger P256_ORDER =
      new java.math.BigInteger(
          "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16);

  /**
   * Wraps {@code pair}.
   *
   * @throws IllegalArgumentException if it is not an EC P-256 key pair.
   */
  static DpopKey of(KeyPair pair) {
    if (pair == null) throw new NullPointerException("keyPair == null");
    if (!(pair.getPublic() instanceof ECPublicKey) || pair.getPrivate() == null) {
      throw new IllegalArgumentException("The DPoP key pair must be an EC P-256 key pair.");
    }
    ECPublicKey key = (ECPublicKey) pair.getPublic();
    if (!P256_ORDER.equals(key.getParams().getOrder())) { // Not secp256k1 or brainpoolP256r1.
      throw new IllegalArgumentException("The DPoP key pair must be an EC P-256 key pair.");
    }
    String jwk =
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\""
            + base64Url(unsigned(key.getW().getAffineX()))
            + "\",\"y\":\""
            + base64Url(unsigned(key.getW().getAffineY()))
            + "\"}";
    String header = "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":" + jwk + "}";
    return new DpopKey(pair, base64Url(header.getBytes(UTF_8)) + ".");
  }

  /** A new EC P-256 key pair from the platform's default provider. */
  static DpopKey generate() throws IOException {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return of(generator.generateKeyPair());
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException(
          "Cannot make a DPoP key (EC P-256): " + e.getClass().getName() + ".", e);
    }
  }

  /**
   * Signs {@code claims} (a JSON object) and returns the compact JWS.
   *
   * @throws Unusable if the key cannot sign (a keystore key that was wiped or invalidated).
   */
  String sign(String claims) throws Unusable {
    String input = encodedHeader + base64Url(claims.getBytes(UTF_8));
    byte[] der;
    try {
      Signature signature = Signature.getInstance("SHA256withECDSA");
      PrivateKey key = pair.getPrivate();
      signature.initSign(key);
      signature.update(input.getBytes(UTF_8));
      der = signature.sign();
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new Unusable("The DPoP key cannot sign: " + e.getClass().getName() + ".", e);
    }
    return input + "." + base64Url(jose(der));
  }

  /**
   * ECDSA's DER {@code SEQUENCE {INTEGER r, INTEGER s}} as JOSE wants it: r and s, each unsigned
   * big-endian in exactly 32 bytes (RFC 7518 section 3.4).
   */
  static byte[] jose(byte[] der) throws Unusable {
    try {
      int offset = 0;
      if (der[offset++] != 0x30) throw new Unusable("Not a DER ECDSA signature.", null);
      offset += lengthBytes(der, offset);
      byte[] result = new byte[2 * FIELD_BYTES];
      for (int half = 0; half < 2; half++) {
        if (der[offset++] != 0x02) throw new Unusable("Not a DER ECDSA signature.", null);
        int length = der[offset] & 0xff;
        offset += lengthBytes(der, offset);
        byte[] integer = new byte[length];
        System.arraycopy(der, offset, integer, 0, length);
        offset += length;
        byte[] fixed = unsigned(new BigInteger(1, integer));
        System.arraycopy(fixed, 0, result, half * FIELD_BYTES, FIELD_BYTES);
      }
      return result;
    } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
      throw new Unusable("Not a DER ECDSA signature.", e);
    }
  }

  /** How many bytes the DER length at {@code offset} takes (short form only: 1). */
  private static int lengthBytes(byte[] der, int offset) {
    int first = der[offset] & 0xff;
    return first < 0x80 ? 1 : 1 + (first & 0x7f);
  }

  /** {@code value} unsigned, big-endian, left-padded to 32 bytes. */
  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes.length == FIELD_BYTES) return bytes;
    byte[] result = new byte[FIELD_BYTES];
    int copy = Math.min(bytes.length, FIELD_BYTES);
    if (bytes.length > FIELD_BYTES && bytes.length - FIELD_BYTES != countLeadingZeros(bytes)) {
      throw new IllegalArgumentException("Larger than a P-256 field element.");
    }
    System.arraycopy(bytes, bytes.length - copy, result, FIELD_BYTES - copy, copy);
    return result;
  }

  private static int countLeadingZeros(byte[] bytes) {
    int zeros = 0;
    while (zeros < bytes.length && bytes[zeros] == 0) zeros++;
    return zeros;
  }

  /** base64url without padding (RFC 7515 section 2). */
  static String base64Url(byte[] bytes) {
    String padded = ByteString.of(bytes).base64Url();
    int end = padded.length();
    while (end > 0 && padded.charAt(end - 1) == '=') end--;
    return padded.substring(0, end);
  }

  /** The key cannot sign, or the session's key cannot be loaded: the session cannot go on. */
  static final class Unusable extends IOException {
    private static final long serialVersionUID = 1L;

    Unusable(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  @Override
  public String toString() {
    return "DpopKey{ES256}";
  }
}
