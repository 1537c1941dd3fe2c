package io.tokenpair.client;

import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * How a refresh request is made and its answer read: the one part of the refresh flow that differs
 * between servers. Everything else (single flight, one replay per call, the rotated credential
 * stored before the new access token is released, processes that share a session) is the SDK's and
 * the same for every protocol.
 *
 * <ul>
 *   <li>{@link #cookie()}, the default: {@code POST} to the builder's refresh path with the
 *       HttpOnly refresh cookie, the access token read at the builder's JSON pointer.
 *   <li>{@link #oauth2(HttpUrl, String)}: RFC 6749 section 6, the {@code refresh_token} grant of
 *       Keycloak, Auth0, Okta, Spring Authorization Server and others, with the refresh token in
 *       the token response's body.
 *   <li>Your own: implement this interface for an API of your own, such as {@code POST
 *       /auth/refresh {"refresh_token": ...}}.
 * </ul>
 *
 * <p>The SDK keeps the refresh token a protocol's {@link TokenGrant}s carry in the {@link
 * TokenStore}, replaces it when a grant brings a new one, and passes the current one to {@link
 * #newRefreshRequest}. Refresh requests are executed outside the SDK's interceptor, with the SDK's
 * cookie jar.
 *
 * <p>Implementations must be immutable and safe for concurrent use. They are called on the SDK's
 * refresh thread (with a {@link TokenPairAuth.Builder#sessionStore shared store}, holding its
 * cross-process lock, so that processes refresh one at a time) and on the app's login thread, never
 * with one of the SDK's monitors held. An unchecked exception from them fails the refresh like an
 * {@link IOException}.
 */
public interface RefreshProtocol {
  /**
   * Returns the URL that refresh requests go to. The SDK never sends the bearer there unless it is
   * on the base URL's origin and never intercepts requests to it.
   *
   * @return the endpoint.
   */
  HttpUrl endpoint();

  /**
   * Returns the request that refreshes the session.
   *
   * @param refreshToken the current refresh token, or null when the session has none (the cookie
   *     protocol's credential is a cookie). Never put it in the URL.
   * @return the request, to {@link #endpoint()}.
   * @throws IOException if no request can be made, for example without a refresh token.
   */
  Request newRefreshRequest(@Nullable String refreshToken) throws IOException;

  /**
   * Reads the answer to a refresh request, of any status; its body is already in memory (at most 1
   * MiB: the SDK refuses a longer answer before this is called). The SDK refuses a grant whose
   * access token cannot be sent in an {@code Authorization} header (anything but visible ASCII
   * without spaces), and reports any {@link IOException} or unchecked exception from here as an
   * {@link AuthResponseException} of the answer's status.
   *
   * @param response the complete answer.
   * @return the grant of a successful answer.
   * @throws AuthResponseException for an answer that refuses, with {@link
   *     AuthResponseException#endsSession()} true when it rejects the refresh credential itself.
   * @throws IOException for a successful status whose body holds no usable token.
   */
  TokenGrant readRefreshResponse(Response response) throws IOException;

  /**
   * Reads the answer to the app's login request ({@link TokenPairAuth#login}). By default the same
   * as {@link #readRefreshResponse}, except that a refusal never ends a session.
   *
   * @param response the complete answer.
   * @return the grant of a successful answer.
   * @throws AuthResponseException for an answer that refuses.
   * @throws IOException for a successful status whose body holds no usable token.
   */
  default TokenGrant readLoginResponse(Response response) throws IOException {
    try {
      return readRefreshResponse(response);
    } catch (AuthResponseException e) {
      throw new AuthResponseException(
          "Login", e.code(), e.error(), e.errorDescription(), false, e.retryAfterMillis());
    }
  }

  /**
   * Returns the refresh cookie protocol, the default: a {@code POST} of the HttpOnly refresh cookie
   * to {@link TokenPairAuth.Builder#refreshPath}, the new access token read at {@link
   * TokenPairAuth.Builder#accessTokenPointer}, a rotated cookie kept by the SDK's jar. An answer of
   * 400, 401 or 403 ends the session.
   *
   * @return the protocol; the builder binds it to its base URL and paths.
   */
  static RefreshProtocol cookie() {
    return CookieProtocol.UNBOUND;
  }

  /**
   * Returns the OAuth 2.0 {@code refresh_token} grant (RFC 6749 section 6) at {@code
   * tokenEndpoint}, for a public client (no client authentication). Configure it further with the
   * {@code with...} methods of the returned object.
   *
   * @param tokenEndpoint the authorization server's token endpoint; may be on another origin than
   *     the API.
   * @param clientId the client's id.
   * @return the protocol.
   */
  static OAuth2RefreshProtocol oauth2(HttpUrl tokenEndpoint, String clientId) {
    return OAuth2RefreshProtocol.create(tokenEndpoint, clientId);
  }
}
