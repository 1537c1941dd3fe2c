package io.tokenpair.client;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import okhttp3.HttpUrl;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * The DPoP nonces servers gave (RFC 9449 sections 8 and 9), one per origin: the authorization
 * server's and the resource server's are never mixed. Each answer's {@code DPoP-Nonce} replaces the
 * origin's nonce, so the proofs made after it carry it; concurrent callers challenged at once all
 * read the one nonce the first answer brought, with no lock and no call of their own.
 *
 * <p>A nonce is validated when it arrives ({@code 1*NQCHAR}, at most {@link #MAX_LENGTH}
 * characters): an invalid one is ignored, never put in a proof. Thread-safe.
 */
final class DpopNonces {
  static final String HEADER = "DPoP-Nonce";

  /** Longer than any server's nonce; a longer one is ignored. */
  static final int MAX_LENGTH = 512;

  /** The nonce of each origin ({@code scheme://host:port}). */
  private final ConcurrentMap<String, String> byOrigin = new ConcurrentHashMap<>();

  /** The nonce to put in a proof for {@code url}, or null when its origin gave none. */
  @Nullable String get(HttpUrl url) {
    return byOrigin.get(origin(url));
  }

  /**
   * Remembers the {@code DPoP-Nonce} of {@code response}, for the origin of the request it answers.
   * Returns true if the answer brought a valid nonce.
   */
  boolean remember(Response response) {
    String nonce = response.header(HEADER);
    if (nonce == null || !isValid(nonce)) return false;
    String origin = origin(response.request().url());
    if (!nonce.equals(byOrigin.get(origin))) byOrigin.put(origin, nonce);
    return true;
  }

  /**
   * Whether {@code response} asks for a proof with its new nonce: an authorization server's {@code
   * 400} whose JSON {@code error} is {@code use_dpop_nonce} (RFC 9449 section 8), or a {@code 401}
   * whose {@code DPoP} challenge says {@code error="use_dpop_nonce"} (section 9), wherever the
   * parameter stands among the challenge's others. A 400's body must be in memory.
   */
  static boolean isChallenge(Response response) {
    if (response.code() == 400) return USE_DPOP_NONCE.equals(AuthAnswers.error(response));
    return USE_DPOP_NONCE.equals(AuthPolicy.challengeError(response, DpopProofs.HEADER));
  }

  static final String USE_DPOP_NONCE = "use_dpop_nonce";

  /** {@code 1*NQCHAR}: visible ASCII but {@code "} and {@code \} (RFC 9449 section 8.1). */
  static boolean isValid(String nonce) {
    if (nonce.isEmpty() || nonce.length() > MAX_LENGTH) return false;
    for (int i = 0; i < nonce.length(); i++) {
      char c = nonce.charAt(i);
      if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return false;
    }
    return true;
  }

  private static String origin(HttpUrl url) {
    return url.scheme() + "://" + url.host() + ":" + url.port();
  }

  @Override
  public String toString() {
    return "DpopNonces{origins=" + byOrigin.size() + "}";
  }
}
