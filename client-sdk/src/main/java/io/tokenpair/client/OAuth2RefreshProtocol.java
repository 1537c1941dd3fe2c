package io.tokenpair.client;

import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.net.URLEncoder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.Credentials;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * The OAuth 2.0 {@code refresh_token} grant (RFC 6749 section 6): a form {@code POST} of {@code
 * grant_type=refresh_token&refresh_token=...&client_id=...} to the token endpoint, answered by an
 * RFC 6749 section 5.1 token response. Get one from {@link RefreshProtocol#oauth2(HttpUrl,
 * String)}.
 *
 * <p>From the answer it reads {@code access_token}, {@code token_type} (Bearer, in any case, or
 * DPoP when {@linkplain TokenPairAuth.Builder#dpop() DPoP} is on; anything else, or none, fails the
 * refresh), {@code expires_in} (the expiry of opaque tokens, for refresh-ahead; seconds as a number
 * or as a string of digits such as {@code "3599"}) and the optional {@code refresh_token}: a new
 * one replaces the stored one (rotation); without one the old one is kept. {@link
 * TokenPairAuth#login} reads the same fields from the answer to the app's own token request.
 *
 * <p>Errors (RFC 6749 section 5.2):
 *
 * <ul>
 *   <li>{@code invalid_grant}: the refresh token is expired, revoked or was used already. The
 *       session ends: the tokens are cleared and {@link SessionListener#onSessionExpired()} is
 *       called once.
 *   <li>{@code invalid_client}, {@code unauthorized_client}, {@code invalid_scope}, {@code
 *       invalid_request}, {@code unsupported_grant_type} and other refusals: this client is
 *       misconfigured, not signed out. The refresh fails, the waiting calls get their original
 *       responses, the session and its refresh token are kept, and {@link
 *       SessionListener#onRefreshEvent} reports the {@link AuthResponseException}; fix the
 *       configuration.
 *   <li>5xx, 429 and network errors are transient: the session is kept, and a 429's {@code
 *       Retry-After} holds further refreshes back for that long, one hour at most.
 * </ul>
 *
 * <p>The refresh token goes only to the token endpoint, in the body, never in a URL; the client
 * secret only there too, in the {@code Authorization} header or the body. Immutable and
 * thread-safe; {@code toString()} hides the secret.
 */
public final class OAuth2RefreshProtocol implements RefreshProtocol {
  private static final JsonPointer ACCESS_TOKEN = JsonPointer.compile("/access_token");
  private static final JsonPointer REFRESH_TOKEN = JsonPointer.compile("/refresh_token");

  /** How the client authenticates at the token endpoint. */
  private enum ClientAuth {
    NONE,
    BASIC,
    POST
  }

  private final HttpUrl tokenEndpoint;
  private final String clientId;
  private final ClientAuth clientAuth;
  private final @Nullable String clientSecret;
  private final @Nullable String scope;
  private final Map<String, String> parameters;
  private final @Nullable HttpUrl revocationEndpoint;

  private OAuth2RefreshProtocol(
      HttpUrl tokenEndpoint,
      String clientId,
      ClientAuth clientAuth,
      @Nullable String clientSecret,
      @Nullable String scope,
      Map<String, String> parameters,
      @Nullable HttpUrl revocationEndpoint) {
    this.tokenEndpoint = tokenEndpoint;
    this.clientId = clientId;
    this.clientAuth = clientAuth;
    this.clientSecret = clientSecret;
    this.scope = scope;
    this.parameters = parameters;
    this.revocationEndpoint = revocationEndpoint;
  }

  static OAuth2RefreshProtocol create(HttpUrl tokenEndpoint, String clientId) {
    if (tokenEndpoint == null) throw new NullPointerException("tokenEndpoint == null");
    if (clientId == null) throw new NullPointerException("clientId == null");
    if (clientId.isEmpty()) throw new IllegalArgumentException("clientId is empty");
    if (tokenEndpoint.query() != null) {
      throw new IllegalArgumentException("tokenEndpoint must not have a query");
    }
    return new OAuth2RefreshProtocol(
        tokenEndpoint,
        clientId,
        ClientAuth.NONE,
        null,
        null,
        Collections.<String, String>emptyMap(),
        null);
  }

  /**
   * Returns this protocol with {@code client_secret_basic} authentication: the client id and secret
   * in an HTTP Basic {@code Authorization} header, form-encoded first (RFC 6749 section 2.3.1).
   *
   * @param clientSecret the client's secret.
   * @return a new protocol.
   */
  public OAuth2RefreshProtocol withClientSecretBasic(String clientSecret) {
    return withClient(ClientAuth.BASIC, clientSecret);
  }

  /**
   * Returns this protocol with {@code client_secret_post} authentication: {@code client_id} and
   * {@code client_secret} in the form body.
   *
   * @param clientSecret the client's secret.
   * @return a new protocol.
   */
  public OAuth2RefreshProtocol withClientSecretPost(String clientSecret) {
    return withClient(ClientAuth.POST, clientSecret);
  }

  private OAuth2RefreshProtocol withClient(ClientAuth auth, String secret) {
    if (secret == null) throw new NullPointerException("clientSecret == null");
    if (secret.isEmpty()) throw new IllegalArgumentException("clientSecret is empty");
    return new OAuth2RefreshProtocol(
        tokenEndpoint, clientId, auth, secret, scope, parameters, revocationEndpoint);
  }

  /**
   * Returns this protocol asking for {@code scope} on each refresh (a subset of the granted scope;
   * by default none is sent, which keeps the granted scope).
   *
   * @param scope space-separated scopes.
   * @return a new protocol.
   */
  public OAuth2RefreshProtocol withScope(String scope) {
    if (scope == null) throw new NullPointerException("scope == null");
    return new OAuth2RefreshProtocol(
        tokenEndpoint, clientId, clientAuth, clientSecret, scope, parameters, revocationEndpoint);
  }

  /**
   * Returns this protocol with an extra form parameter on each refresh, such as Auth0's {@code
   * audience}. The grant's own parameters cannot be replaced.
   *
   * @param name the parameter's name.
   * @param value its value.
   * @return a new protocol.
   * @throws IllegalArgumentException if {@code name} is one the protocol sets itself.
   */
  public OAuth2RefreshProtocol withParameter(String name, String value) {
    if (name == null) throw new NullPointerException("name == null");
    if (value == null) throw new NullPointerException("value == null");
    switch (name) {
      case "grant_type":
      case "refresh_token":
      case "client_id":
      case "client_secret":
      case "scope":
        throw new IllegalArgumentException("The protocol sets " + name + " itself.");
      default:
        break;
    }
    Map<String, String> next = new LinkedHashMap<>(parameters);
    next.put(name, value);
    return new OAuth2RefreshProtocol(
        tokenEndpoint,
        clientId,
        clientAuth,
        clientSecret,
        scope,
        Collections.unmodifiableMap(next),
        revocationEndpoint);
  }

  /**
   * Returns this protocol with token revocation (RFC 7009) at {@code revocationEndpoint}: {@link
   * TokenPairAuth#logout()} then ends the session here first, then, outside every lock, posts
   * {@code token=<refresh token>&token_type_hint=refresh_token} there with this protocol's client
   * authentication (and a DPoP proof when {@linkplain TokenPairAuth.Builder#dpop() DPoP} is on).
   * Any 200 answer counts as revoked, also Keycloak's {@code {"error":"invalid_token"}} for a token
   * it no longer knows; a network error or another status makes {@code logout()} throw, after the
   * session has ended here, and is told to {@link SessionListener#onRevocationFailed}. It is never
   * retried. Revoking the refresh token ends the grant: the access token is not revoked apart.
   * Keycloak: {@code https://HOST/realms/REALM/protocol/openid-connect/revoke}; Auth0: {@code
   * https://TENANT.auth0.com/oauth/revoke}; Okta: {@code .../v1/revoke}; Spring Authorization
   * Server: {@code /oauth2/revoke}.
   *
   * @param revocationEndpoint the authorization server's revocation endpoint, without a query.
   * @return a new protocol.
   * @throws IllegalArgumentException if {@code revocationEndpoint} has a query.
   */
  public OAuth2RefreshProtocol withRevocation(HttpUrl revocationEndpoint) {
    if (revocationEndpoint == null) throw new NullPointerException("revocationEndpoint == null");
    if (revocationEndpoint.query() != null) {
      throw new IllegalArgumentException("revocationEndpoint must not have a query");
    }
    return new OAuth2RefreshProtocol(
        tokenEndpoint, clientId, clientAuth, clientSecret, scope, parameters, revocationEndpoint);
  }

  /** The revocation endpoint, or null without {@link #withRevocation}. */
  @Nullable HttpUrl revocationEndpoint() {
    return revocationEndpoint;
  }

  /**
   * The RFC 7009 request that revokes {@code refreshToken}, with this protocol's client
   * authentication. Only with a {@link #revocationEndpoint()}.
   */
  Request newRevocationRequest(String refreshToken) {
    HttpUrl endpoint = revocationEndpoint;
    if (endpoint == null) throw new IllegalStateException("No revocation endpoint.");
    FormBody.Builder form =
        new FormBody.Builder().add("token", refreshToken).add("token_type_hint", "refresh_token");
    clientFields(form);
    return post(endpoint, form);
  }

  @Override
  public HttpUrl endpoint() {
    return tokenEndpoint;
  }

  @Override
  public Request newRefreshRequest(@Nullable String refreshToken) throws IOException {
    if (refreshToken == null) throw new IOException("There is no refresh token to refresh with.");
    FormBody.Builder form =
        new FormBody.Builder()
            .add("grant_type", "refresh_token")
            .add("refresh_token", refreshToken);
    clientFields(form);
    if (scope != null) form.add("scope", scope);
    for (Map.Entry<String, String> parameter : parameters.entrySet()) {
      form.add(parameter.getKey(), parameter.getValue());
    }
    return post(tokenEndpoint, form);
  }

  /** The client's authentication in the form: its id (but with Basic), and a posted secret. */
  private void clientFields(FormBody.Builder form) {
    if (clientAuth != ClientAuth.BASIC) form.add("client_id", clientId);
    if (clientAuth == ClientAuth.POST && clientSecret != null) {
      form.add("client_secret", clientSecret);
    }
  }

  /** A POST of {@code form} to {@code url}, with the client's Basic authentication if so. */
  private Request post(HttpUrl url, FormBody.Builder form) {
    Request.Builder request =
        new Request.Builder().url(url).post(form.build()).header("Accept", "application/json");
    if (clientAuth == ClientAuth.BASIC && clientSecret != null) {
      request.header(
          "Authorization", Credentials.basic(formEncode(clientId), formEncode(clientSecret)));
    }
    return request.build();
  }

  @Override
  public TokenGrant readRefreshResponse(Response response) throws IOException {
    return read(response, "Refresh");
  }

  @Override
  public TokenGrant readLoginResponse(Response response) throws IOException {
    return read(response, "Login");
  }

  private static TokenGrant read(Response response, String operation) throws IOException {
    Object body = AuthAnswers.json(response);
    if (!response.isSuccessful()) {
      String error = AuthAnswers.optionalText(body, JsonPointer.compile("/error"));
      boolean rejected = operation.equals("Refresh") && "invalid_grant".equals(error);
      throw AuthAnswers.refused(operation, response, error, rejected);
    }
    // Read first: a server that rotated has spent the old token, whatever else is wrong here.
    String rotated = AuthAnswers.optionalText(body, REFRESH_TOKEN);
    String accessToken;
    try {
      accessToken = AuthAnswers.text(body, ACCESS_TOKEN, operation, "access_token");
    } catch (IOException e) {
      throw AuthResponseException.unusable(
          String.valueOf(e.getMessage()), response.code(), rotated, null);
    }
    String type = Json.text(Json.get(body, "token_type"));
    boolean dpop = TokenGrant.DPOP.equalsIgnoreCase(type);
    if (type == null || !(type.equalsIgnoreCase("Bearer") || dpop)) {
      throw AuthResponseException.unusable(
          "The " + AuthAnswers.lower(operation) + " response's token_type is not Bearer or DPoP.",
          response.code(),
          rotated,
          null);
    }
    return TokenGrant.of(
            accessToken, rotated, seconds(Json.get(body, "expires_in")), TimeUnit.SECONDS)
        .withTokenType(dpop ? TokenGrant.DPOP : "Bearer");
  }

  /**
   * {@code expires_in} in seconds: a non-negative number, or a string of digits ({@code "3599"},
   * which some servers send); {@link TokenGrant#UNKNOWN_LIFETIME} for anything else.
   */
  private static long seconds(Object expiresIn) {
    Number number = Json.number(expiresIn);
    if (number != null) {
      return number instanceof Long && number.longValue() >= 0
          ? number.longValue()
          : TokenGrant.UNKNOWN_LIFETIME;
    }
    String text = Json.text(expiresIn);
    if (text == null || text.isEmpty() || text.length() > 18) return TokenGrant.UNKNOWN_LIFETIME;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') return TokenGrant.UNKNOWN_LIFETIME;
    }
    return Long.parseLong(text);
  }

  private static String formEncode(String value) {
    try {
      return URLEncoder.encode(value, "UTF-8");
    } catch (UnsupportedEncodingException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public String toString() {
    return "RefreshProtocol.oauth2("
        + tokenEndpoint.newBuilder().username("").password("").query(null).build()
        + ", clientId="
        + clientId
        + ", clientAuth="
        + clientAuth
        + (scope != null ? ", scope=" + scope : "")
        + (revocationEndpoint != null ? ", revocation" : "")
        + ")";
  }
}
