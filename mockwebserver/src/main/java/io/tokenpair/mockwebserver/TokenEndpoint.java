package io.tokenpair.mockwebserver;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import mockwebserver3.RecordedRequest;
import okio.ByteString;

/**
 * The rules of the token endpoint that are not the sessions': client authentication and which
 * grants are on, with the demo server's {@code TokenEndpoint} answers. Immutable and thread-safe.
 *
 * <p>A public client (no secret configured, as the demo server's one client) may name itself with
 * {@code client_id} and may not authenticate. A confidential client must authenticate with exactly
 * one of {@code client_secret_basic} (its id and secret form-encoded, then Basic, RFC 6749 §2.3.1)
 * and {@code client_secret_post}.
 */
final class TokenEndpoint {
  static final String REFRESH_TOKEN = "refresh_token";
  static final String PASSWORD = "password";

  /** The challenge of an {@code invalid_client} answer. */
  static final String CLIENT_CHALLENGE = "Basic realm=\"tokenpair\"";

  private final String clientId;

  /** Null for a public client. */
  private final String clientSecret;

  private final boolean passwordGrant;

  TokenEndpoint(String clientId, String clientSecret, boolean passwordGrant) {
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.passwordGrant = passwordGrant;
  }

  boolean passwordGrant() {
    return passwordGrant;
  }

  /** True for a public client (no secret), whose refresh tokens are bound to its DPoP key. */
  boolean isPublic() {
    return clientSecret == null;
  }

  Refusal unsupportedGrantType() {
    return new Refusal(
        400,
        "unsupported_grant_type",
        passwordGrant
            ? "The grant type is not supported; use refresh_token or password."
            : "The grant type is not supported; use refresh_token.");
  }

  static Refusal passwordGrantOff() {
    return new Refusal(
        400,
        "unsupported_grant_type",
        "The password grant is off (TokenServerDispatcher.Builder.passwordGrant()).");
  }

  static Refusal invalidGrant(String message) {
    return new Refusal(400, "invalid_grant", message);
  }

  /** Checks the client of a grant request: 401 {@code invalid_client}, or 400 as the form does. */
  void checkClient(RecordedRequest request, Form form) throws Refusal {
    String basic = basicCredentials(request);
    String postedSecret = form.optional("client_secret");
    String postedId = form.optional("client_id");
    if (clientSecret == null) {
      if (basic != null || postedSecret != null) {
        throw invalidClient("The client " + clientId + " is public: send no client credentials.");
      }
    } else if (basic != null) {
      if (postedSecret != null) {
        throw new Refusal(400, "invalid_request", "Use one client authentication method.");
      }
      int colon = basic.indexOf(':');
      if (colon < 0
          || !clientId.equals(decodeCredential(basic.substring(0, colon)))
          || !matchesSecret(decodeCredential(basic.substring(colon + 1)))) {
        throw invalidClient("The client authentication failed.");
      }
    } else if (postedSecret != null) {
      if (postedId == null) {
        throw new Refusal(400, "invalid_request", "The parameter client_id is required.");
      }
      if (!clientId.equals(postedId) || !matchesSecret(postedSecret)) {
        throw invalidClient("The client authentication failed.");
      }
    } else {
      throw invalidClient(
          "The client "
              + clientId
              + " is confidential: authenticate with client_secret_basic or client_secret_post.");
    }
    if (postedId != null && !postedId.equals(clientId)) throw invalidClient("Unknown client.");
  }

  /**
   * The decoded {@code id:secret} of the Basic {@code Authorization} header, or null when there is
   * none; a Bearer header is ignored. 400 for two Basic headers, 401 for an undecodable one.
   */
  private static String basicCredentials(RecordedRequest request) throws Refusal {
    String credentials = null;
    int count = 0;
    for (String value : request.getHeaders().values("Authorization")) {
      String[] parts = value.trim().split(" ", 2);
      if (!parts[0].equalsIgnoreCase("Basic")) continue;
      count++;
      ByteString decoded = parts.length < 2 ? null : ByteString.decodeBase64(parts[1].trim());
      credentials = decoded == null ? "" : decoded.string(StandardCharsets.UTF_8);
    }
    if (count > 1) throw new Refusal(400, "invalid_request", "Send one Authorization header.");
    return credentials;
  }

  private static String decodeCredential(String encoded) throws Refusal {
    try {
      return Form.decode(encoded);
    } catch (Refusal notFormEncoded) {
      throw invalidClient("The client authentication failed.");
    }
  }

  private boolean matchesSecret(String secret) {
    return MessageDigest.isEqual(
        secret.getBytes(StandardCharsets.UTF_8), clientSecret.getBytes(StandardCharsets.UTF_8));
  }

  private static Refusal invalidClient(String message) {
    return new Refusal(401, "invalid_client", message).header("WWW-Authenticate", CLIENT_CHALLENGE);
  }
}
