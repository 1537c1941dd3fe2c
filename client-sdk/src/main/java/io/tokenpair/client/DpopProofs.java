package io.tokenpair.client;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.function.LongSupplier;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/**
 * Makes DPoP proofs (RFC 9449 section 4): a JWS of type {@code dpop+jwt}, signed ES256 by the
 * session's {@link DpopKey}, with the claims {@code jti} (128 random bits), {@code htm}, {@code
 * htu} (scheme, host, port as sent and path; no query, no fragment), {@code iat} on the estimate of
 * the server's clock, {@code ath} (base64url SHA-256 of the access token) when a call presents one,
 * and the {@code nonce} its origin last gave ({@link DpopNonces}). {@code AuthCalls} and {@code
 * AuthPolicy} only ask it for a request's {@code DPoP} header.
 *
 * <p>It also decides where keys come from: the app's own ({@code Builder.dpop(KeyPair)}), or a new
 * one for each sign-in ({@code Builder.dpop()}), which the session then keeps in its store.
 *
 * <p>Thread-safe.
 */
final class DpopProofs {
  static final String HEADER = "DPoP";

  final DpopNonces nonces = new DpopNonces();

  /** The app's key, or null when each sign-in makes its own. */
  private final @Nullable DpopKey appKey;

  private final LongSupplier serverTimeMillis;
  private final SecureRandom random = new SecureRandom();

  /** The last access token and its {@code ath}, replaced whole; null before the first. */
  private volatile String @Nullable [] lastAth;

  DpopProofs(@Nullable DpopKey appKey, LongSupplier serverTimeMillis) {
    this.appKey = appKey;
    this.serverTimeMillis = serverTimeMillis;
  }

  /** Whether the session makes and stores a key of its own at each sign-in. */
  boolean keysPerSession() {
    return appKey == null;
  }

  /** The key for a new sign-in: the app's, or a new one. */
  DpopKey newKey() throws IOException {
    return appKey != null ? appKey : DpopKey.generate();
  }

  /** The app's key, or null. */
  @Nullable DpopKey appKey() {
    return appKey;
  }

  /**
   * Returns {@code request} with a fresh proof in its {@code DPoP} header, for {@code accessToken}
   * (null for the token endpoint and revocation).
   *
   * @throws DpopKey.Unusable if the key cannot sign.
   */
  Request sign(Request request, DpopKey key, @Nullable String accessToken) throws DpopKey.Unusable {
    String proof = proof(key, request.method(), request.url(), accessToken);
    return request.newBuilder().header(HEADER, proof).build();
  }

  /**
   * {@code ath} of {@code accessToken}: the hash of the last token is kept, since every call until
   * the next refresh presents the same one.
   */
  private String ath(String accessToken) {
    String[] last = lastAth;
    if (last != null && last[0].equals(accessToken)) return last[1];
    String ath = DpopKey.base64Url(ByteString.encodeUtf8(accessToken).sha256().toByteArray());
    lastAth = new String[] {accessToken, ath};
    return ath;
  }

  /** A proof for a {@code method} request to {@code url}. */
  String proof(DpopKey key, String method, HttpUrl url, @Nullable String accessToken)
      throws DpopKey.Unusable {
    byte[] jti = new byte[16];
    random.nextBytes(jti);
    StringBuilder claims = new StringBuilder(256);
    claims.append("{\"jti\":\"").append(DpopKey.base64Url(jti));
    claims.append("\",\"htm\":");
    string(claims, method);
    claims.append(",\"htu\":");
    string(claims, htu(url));
    claims.append(",\"iat\":").append(serverTimeMillis.getAsLong() / 1000);
    if (accessToken != null) {
      claims.append(",\"ath\":\"").append(ath(accessToken)).append('"');
    }
    String nonce = nonces.get(url);
    if (nonce != null) claims.append(",\"nonce\":\"").append(nonce).append('"'); // 1*NQCHAR
    claims.append('}');
    return key.sign(claims.toString());
  }

  /**
   * The URL as sent, without query and fragment: scheme, host, port (when not the default), path.
   */
  static String htu(HttpUrl url) {
    StringBuilder result = new StringBuilder(url.scheme()).append("://");
    String host = url.host();
    if (host.indexOf(':') >= 0) {
      result.append('[').append(host).append(']');
    } else {
      result.append(host);
    }
    if (url.port() != HttpUrl.defaultPort(url.scheme())) result.append(':').append(url.port());
    return result.append(url.encodedPath()).toString();
  }

  /** Appends {@code value} as a JSON string. */
  private static void string(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }

  @Override
  public String toString() {
    return "DpopProofs{" + (appKey != null ? "app key" : "a key per session") + "}";
  }
}
