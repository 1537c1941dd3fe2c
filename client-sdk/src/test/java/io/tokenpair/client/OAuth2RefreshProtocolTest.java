package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/** The OAuth 2.0 refresh_token grant's requests and the reading of RFC 6749 answers. */
final class OAuth2RefreshProtocolTest {
  private static final HttpUrl TOKEN = HttpUrl.get("https://idp.example.com/realms/app/token");
  private final OAuth2RefreshProtocol publicClient = RefreshProtocol.oauth2(TOKEN, "my-app");

  private static String body(Request request) throws IOException {
    Buffer buffer = new Buffer();
    request.body().writeTo(buffer);
    return buffer.readUtf8();
  }

  private static Response answer(int code, String json, String... headers) {
    Response.Builder builder =
        new Response.Builder()
            .request(new Request.Builder().url(TOKEN).build())
            .protocol(Protocol.HTTP_1_1)
            .code(code)
            .message("x")
            .body(ResponseBody.create(json, MediaType.get("application/json")));
    for (int i = 0; i < headers.length; i += 2) builder.addHeader(headers[i], headers[i + 1]);
    return builder.build();
  }

  @Test
  void refreshIsAFormPostOfTheGrantWithTheClientIdAndNothingInTheUrl() throws IOException {
    Request request = publicClient.newRefreshRequest("rt-1/+=");
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.url()).isEqualTo(TOKEN);
    assertThat(request.url().query()).isNull();
    assertThat(request.header("Accept")).isEqualTo("application/json");
    assertThat(request.header("Authorization")).isNull();
    assertThat(request.body().contentType().toString())
        .isEqualTo("application/x-www-form-urlencoded");
    assertThat(body(request))
        .isEqualTo("grant_type=refresh_token&refresh_token=rt-1%2F%2B%3D&client_id=my-app");
  }

  @Test
  void clientSecretBasicSendsFormEncodedCredentialsInTheHeaderOnly() throws IOException {
    Request request = publicClient.withClientSecretBasic("s:e cret").newRefreshRequest("rt");
    // RFC 6749 2.3.1: form-encode id and secret, then Basic.
    assertThat(request.header("Authorization"))
        .isEqualTo(okhttp3.Credentials.basic("my-app", "s%3Ae+cret"));
    assertThat(body(request)).isEqualTo("grant_type=refresh_token&refresh_token=rt");
  }

  @Test
  void clientSecretPostSendsIdAndSecretInTheBody() throws IOException {
    Request request = publicClient.withClientSecretPost("secret").newRefreshRequest("rt");
    assertThat(request.header("Authorization")).isNull();
    assertThat(body(request))
        .isEqualTo(
            "grant_type=refresh_token&refresh_token=rt&client_id=my-app&client_secret=secret");
  }

  @Test
  void scopeAndExtraParametersFollowTheGrant() throws IOException {
    Request request =
        publicClient
            .withScope("openid profile")
            .withParameter("audience", "https://api")
            .newRefreshRequest("rt");
    assertThat(body(request))
        .isEqualTo(
            "grant_type=refresh_token&refresh_token=rt&client_id=my-app"
                + "&scope=openid+profile&audience=https%3A%2F%2Fapi");
  }

  @Test
  void extraParametersCannotReplaceTheGrantsOwn() {
    assertThatThrownBy(() -> publicClient.withParameter("refresh_token", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("The protocol sets refresh_token itself.");
  }

  @Test
  void noRefreshTokenNoRequest() {
    assertThatThrownBy(() -> publicClient.newRefreshRequest(null))
        .isInstanceOf(IOException.class)
        .hasMessage("There is no refresh token to refresh with.");
  }

  @Test
  void answerWithARotatedRefreshTokenReplacesIt() throws IOException {
    TokenGrant grant =
        publicClient.readRefreshResponse(
            answer(
                200,
                "{\"access_token\":\"at-2\",\"token_type\":\"bearer\",\"expires_in\":300,"
                    + "\"refresh_token\":\"rt-2\"}"));
    assertThat(grant.accessToken()).isEqualTo("at-2");
    assertThat(grant.refreshToken()).isEqualTo("rt-2");
    assertThat(grant.expiresInMillis()).isEqualTo(300_000);
  }

  @Test
  void answerWithoutARefreshTokenKeepsTheOldOne() throws IOException {
    TokenGrant grant =
        publicClient.readRefreshResponse(
            answer(200, "{\"access_token\":\"at-2\",\"token_type\":\"Bearer\"}"));
    assertThat(grant.refreshToken()).isNull();
    assertThat(grant.expiresInMillis()).isEqualTo(TokenGrant.UNKNOWN_LIFETIME);
  }

  @Test
  void expiresInIsReadAsANumberOrAStringOfDigits() throws IOException {
    String[][] cases = {
      {"300", "300000"},
      {"\"3599\"", "3599000"},
      {"\"0\"", "0"},
      {"\"soon\"", "-1"},
      {"\"-5\"", "-1"},
      {"\"+5\"", "-1"},
      {"\" 5\"", "-1"},
      {"\"\"", "-1"},
      {"\"99999999999999999999\"", "-1"},
      {"-5", "-1"},
      {"true", "-1"},
      {"null", "-1"},
    };
    for (String[] c : cases) {
      TokenGrant grant =
          publicClient.readRefreshResponse(
              answer(
                  200,
                  "{\"access_token\":\"at\",\"token_type\":\"Bearer\",\"expires_in\":"
                      + c[0]
                      + "}"));
      assertThat(grant.expiresInMillis()).as(c[0]).isEqualTo(Long.parseLong(c[1]));
    }
  }

  @Test
  void tokenTypeOtherThanBearerIsAnError() {
    assertThatThrownBy(
            () ->
                publicClient.readRefreshResponse(
                    answer(200, "{\"access_token\":\"at-2\",\"token_type\":\"mac\"}")))
        .isInstanceOf(IOException.class)
        .hasMessage("The refresh response's token_type is not Bearer or DPoP.");
    assertThatThrownBy(
            () -> publicClient.readRefreshResponse(answer(200, "{\"access_token\":\"at-2\"}")))
        .hasMessage("The refresh response's token_type is not Bearer or DPoP.");
  }

  @Test
  void invalidGrantEndsTheSession() {
    assertThatThrownBy(
            () ->
                publicClient.readRefreshResponse(
                    answer(400, "{\"error\":\"invalid_grant\",\"error_description\":\"x\"}")))
        .isInstanceOfSatisfying(
            AuthResponseException.class,
            e -> {
              assertThat(e.endsSession()).isTrue();
              assertThat(e.code()).isEqualTo(400);
              assertThat(e.error()).isEqualTo("invalid_grant");
              assertThat(e.errorDescription()).isEqualTo("x");
              assertThat(e).hasMessage("Refresh failed: HTTP 400 (invalid_grant: x).");
            });
  }

  @Test
  void clientAndScopeErrorsFailWithoutEndingTheSession() {
    for (String error : new String[] {"invalid_client", "unauthorized_client", "invalid_scope"}) {
      int code = error.equals("invalid_client") ? 401 : 400;
      assertThatThrownBy(
              () -> publicClient.readRefreshResponse(answer(code, "{\"error\":\"" + error + "\"}")))
          .isInstanceOfSatisfying(
              AuthResponseException.class, e -> assertThat(e.endsSession()).isFalse());
    }
  }

  @Test
  void tooManyRequestsCarriesRetryAfter() {
    assertThatThrownBy(
            () -> publicClient.readRefreshResponse(answer(429, "{}", "Retry-After", "7")))
        .isInstanceOfSatisfying(
            AuthResponseException.class,
            e -> {
              assertThat(e.endsSession()).isFalse();
              assertThat(e.retryAfterMillis()).isEqualTo(7_000);
            });
  }

  @Test
  void loginAnswerIsReadTheSameWayAndNeverEndsASession() throws IOException {
    TokenGrant grant =
        publicClient.readLoginResponse(
            answer(
                200,
                "{\"access_token\":\"at-1\",\"token_type\":\"Bearer\",\"refresh_token\":\"rt-1\"}"));
    assertThat(grant.refreshToken()).isEqualTo("rt-1");
    assertThatThrownBy(
            () -> publicClient.readLoginResponse(answer(400, "{\"error\":\"invalid_grant\"}")))
        .isInstanceOfSatisfying(
            AuthResponseException.class,
            e -> {
              assertThat(e.endsSession()).isFalse();
              assertThat(e).hasMessage("Login failed: HTTP 400 (invalid_grant).");
            });
  }

  @Test
  void secretsAndTokensNeverReachToString() throws IOException {
    assertThat(publicClient.withClientSecretPost("hunter2").toString()).doesNotContain("hunter2");
    TokenGrant grant =
        TokenGrant.of("at-secret", "rt-secret", 1, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(grant.toString()).doesNotContain("secret");
  }
}
