package io.tokenpair.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Cookie;
import okhttp3.CookieJar;
import okhttp3.Credentials;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * What an app (or AppAuth) does before the SDK takes over, by hand with OkHttp: the
 * authorization-code grant with PKCE through Spring Security's form login, each redirect read
 * rather than followed; and raw calls to the token and revocation endpoints. Each instance is one
 * browser (its own cookies). Not thread-safe.
 */
final class OAuth2ByHand {
  private static final Pattern CSRF =
      Pattern.compile(
          "name=\"_csrf\"[^>]*value=\"([^\"]+)\"|value=\"([^\"]+)\"[^>]*name=\"_csrf\"");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** An RFC 6749 section 5.1 or 5.2 answer of the token endpoint. */
  record TokenResponse(int status, JsonNode body) {
    String accessToken() {
      return body.path("access_token").asText(null);
    }

    String refreshToken() {
      return body.path("refresh_token").asText(null);
    }

    String error() {
      return body.path("error").asText(null);
    }

    @Override
    public String toString() {
      return "TokenResponse[" + status + (error() != null ? " " + error() : "") + "]";
    }
  }

  private final SpringAuthorizationServer server;
  private final String clientId;
  private final String clientSecret;
  private final OkHttpClient browser;

  /** As {@link SpringAuthorizationServer#CLIENT_ID}. */
  OAuth2ByHand(SpringAuthorizationServer server) {
    this(server, SpringAuthorizationServer.CLIENT_ID, SpringAuthorizationServer.CLIENT_SECRET);
  }

  OAuth2ByHand(SpringAuthorizationServer server, String clientId, String clientSecret) {
    this.server = server;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.browser =
        new OkHttpClient.Builder().followRedirects(false).cookieJar(new Cookies()).build();
  }

  /** An authorization code and the PKCE verifier that redeems it. */
  record AuthorizationCode(String code, String verifier) {
    @Override
    public String toString() {
      return "AuthorizationCode[██]"; // Both are credentials.
    }
  }

  /**
   * Signs {@link SpringAuthorizationServer#USERNAME} in and returns the answer to the code
   * exchange: an access token and a refresh token.
   */
  TokenResponse authorizationCodeGrant() throws IOException {
    return execute(codeExchange(authorize()));
  }

  /**
   * Signs {@link SpringAuthorizationServer#USERNAME} in through the form login and returns the
   * authorization code the redirect to the client carries, not yet exchanged.
   */
  AuthorizationCode authorize() throws IOException {
    String verifier = randomUrlSafe(32);
    String state = randomUrlSafe(16);
    HttpUrl authorize =
        server
            .issuer()
            .newBuilder()
            .encodedPath("/oauth2/authorize")
            .addQueryParameter("response_type", "code")
            .addQueryParameter("client_id", clientId)
            .addQueryParameter("redirect_uri", SpringAuthorizationServer.REDIRECT_URI)
            .addQueryParameter("scope", SpringAuthorizationServer.SCOPE)
            .addQueryParameter("state", state)
            .addQueryParameter("code_challenge", s256(verifier))
            .addQueryParameter("code_challenge_method", "S256")
            .build();

    HttpUrl login = redirect(get(authorize), authorize);
    String csrf;
    try (Response page = browser.newCall(new Request.Builder().url(login).build()).execute()) {
      csrf = csrfToken(page.body().string());
    }
    FormBody credentials =
        new FormBody.Builder()
            .add("username", SpringAuthorizationServer.USERNAME)
            .add("password", SpringAuthorizationServer.PASSWORD)
            .add("_csrf", csrf)
            .build();
    HttpUrl resumed =
        redirect(
            browser.newCall(new Request.Builder().url(login).post(credentials).build()).execute(),
            login);
    HttpUrl callback = redirect(get(resumed), resumed);
    if (!callback.toString().startsWith(SpringAuthorizationServer.REDIRECT_URI)) {
      throw new IOException("Expected the redirect to the client, got " + callback.encodedPath());
    }
    if (!state.equals(callback.queryParameter("state"))) throw new IOException("State mismatch.");
    String code = callback.queryParameter("code");
    if (code == null) throw new IOException("No code: " + callback.queryParameter("error"));
    return new AuthorizationCode(code, verifier);
  }

  /**
   * The token request that exchanges {@code code} (RFC 6749 section 4.1.3, with the PKCE verifier),
   * authenticated with {@code client_secret_basic}: what an app hands to {@code
   * TokenPairAuth.login(Request)}.
   */
  Request codeExchange(AuthorizationCode code) {
    return tokenRequest(
        new FormBody.Builder()
            .add("grant_type", "authorization_code")
            .add("code", code.code())
            .add("redirect_uri", SpringAuthorizationServer.REDIRECT_URI)
            .add("code_verifier", code.verifier())
            .build());
  }

  /** A raw {@code refresh_token} grant, authenticated with {@code client_secret_basic}. */
  TokenResponse refresh(String refreshToken) throws IOException {
    return execute(
        tokenRequest(
            new FormBody.Builder()
                .add("grant_type", "refresh_token")
                .add("refresh_token", refreshToken)
                .build()));
  }

  /** RFC 7009 revocation of {@code token} at {@code /oauth2/revoke}; returns the status. */
  int revoke(String token) throws IOException {
    Request request =
        clientAuthenticated(server.issuer().resolve("/oauth2/revoke"))
            .post(new FormBody.Builder().add("token", token).build())
            .build();
    try (Response response = browser.newCall(request).execute()) {
      return response.code();
    }
  }

  /** {@code GET} of the protected resource with {@code accessToken}, by hand. */
  Response callApi(String accessToken) throws IOException {
    return browser
        .newCall(
            new Request.Builder()
                .url(server.protectedResource())
                .header("Authorization", "Bearer " + accessToken)
                .build())
        .execute();
  }

  private Request tokenRequest(FormBody form) {
    return clientAuthenticated(server.tokenEndpoint())
        .header("Accept", "application/json")
        .post(form)
        .build();
  }

  private TokenResponse execute(Request request) throws IOException {
    try (Response response = browser.newCall(request).execute()) {
      return new TokenResponse(response.code(), MAPPER.readTree(response.body().string()));
    }
  }

  private Request.Builder clientAuthenticated(HttpUrl url) {
    return new Request.Builder()
        .url(url)
        .header("Authorization", Credentials.basic(clientId, clientSecret));
  }

  private Response get(HttpUrl url) throws IOException {
    return browser.newCall(new Request.Builder().url(url).build()).execute();
  }

  /** The target of a 302, resolved against {@code from}; closes the response. */
  private static HttpUrl redirect(Response response, HttpUrl from) throws IOException {
    try (response) {
      String location = response.header("Location");
      if (response.code() != 302 || location == null) {
        throw new IOException("Expected a redirect from " + from.encodedPath() + ": " + response);
      }
      HttpUrl target = from.resolve(location);
      if (target == null) throw new IOException("Unreadable Location from " + from.encodedPath());
      return target;
    }
  }

  private static String csrfToken(String loginPage) throws IOException {
    Matcher matcher = CSRF.matcher(loginPage);
    if (!matcher.find()) throw new IOException("No CSRF token on the login page.");
    return matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
  }

  private static String randomUrlSafe(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  private static String s256(String verifier) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** The browser's cookie jar: the latest cookie of each name for each host. */
  private static final class Cookies implements CookieJar {
    private final List<Cookie> cookies = new ArrayList<>();

    @Override
    public void saveFromResponse(HttpUrl url, List<Cookie> received) {
      for (Cookie cookie : received) {
        cookies.removeIf(c -> c.name().equals(cookie.name()) && c.domain().equals(cookie.domain()));
        cookies.add(cookie);
      }
    }

    @Override
    public List<Cookie> loadForRequest(HttpUrl url) {
      List<Cookie> matching = new ArrayList<>();
      for (Cookie cookie : cookies) if (cookie.matches(url)) matching.add(cookie);
      return matching;
    }
  }
}
