package io.tokenpair.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.interop.OAuth2ByHand.TokenResponse;
import io.tokenpair.interop.TokenEndpointRecorder.Grant;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server setup itself, by hand with OkHttp and without the SDK: the grant returns a pair, the
 * refresh token rotates and a spent one is refused with {@code invalid_grant}, the resource server
 * follows the test clock, and the recorder counts what the server saw.
 */
@ExtendWith(AuthorizationServerExtension.class)
@Timeout(30)
class SpringAuthorizationServerTest {
  @Test
  void authorizationCodeGrantReturnsABearerPairThatTheApiAccepts(SpringAuthorizationServer server)
      throws IOException {
    TokenResponse pair = new OAuth2ByHand(server).authorizationCodeGrant();

    assertThat(pair.status()).isEqualTo(200);
    assertThat(pair.body().path("token_type").asText()).isEqualTo("Bearer");
    assertThat(pair.body().path("expires_in").asLong())
        .isBetween(
            SpringAuthorizationServer.ACCESS_TOKEN_TTL.toSeconds() - 1,
            SpringAuthorizationServer.ACCESS_TOKEN_TTL.toSeconds());
    assertThat(pair.refreshToken()).isNotBlank();
    try (Response me = new OAuth2ByHand(server).callApi(pair.accessToken())) {
      assertThat(me.code()).isEqualTo(200);
      assertThat(me.body().string()).isEqualTo("{\"sub\":\"alice\"}");
    }
    assertThat(server.recorder().grants())
        .extracting(Grant::grantType, Grant::status)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("authorization_code", 200));
  }

  @Test
  void everyRefreshRotatesAndASpentRefreshTokenGetsInvalidGrant(SpringAuthorizationServer server)
      throws IOException {
    OAuth2ByHand client = new OAuth2ByHand(server);
    String first = client.authorizationCodeGrant().refreshToken();

    TokenResponse rotated = client.refresh(first);
    TokenResponse reused = client.refresh(first);
    TokenResponse next = client.refresh(rotated.refreshToken());

    assertThat(rotated.status()).isEqualTo(200);
    assertThat(rotated.refreshToken()).isNotBlank();
    assertThat(rotated.refreshToken().equals(first)).as("the same refresh token again").isFalse();
    assertThat(reused.status()).isEqualTo(400);
    assertThat(reused.error()).isEqualTo("invalid_grant");
    // No family revocation: the reuse of a spent token leaves its successor valid.
    assertThat(next.status()).isEqualTo(200);
    assertThat(new HashSet<>(List.of(first, rotated.refreshToken(), next.refreshToken())).size())
        .as("distinct refresh tokens")
        .isEqualTo(3);
    assertThat(server.recorder().refreshGrants())
        .extracting(Grant::status, Grant::error)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(200, null),
            org.assertj.core.groups.Tuple.tuple(400, "invalid_grant"),
            org.assertj.core.groups.Tuple.tuple(200, null));
  }

  @Test
  void revokedRefreshTokenGetsInvalidGrant(SpringAuthorizationServer server) throws IOException {
    OAuth2ByHand client = new OAuth2ByHand(server);
    String refreshToken = client.authorizationCodeGrant().refreshToken();

    assertThat(client.revoke(refreshToken)).isEqualTo(200);
    TokenResponse refused = client.refresh(refreshToken);

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.error()).isEqualTo("invalid_grant");
  }

  @Test
  void apiAnswersAnAccessTokenExpiredOnTheTestClockWithInvalidToken(
      SpringAuthorizationServer server) throws IOException {
    OAuth2ByHand client = new OAuth2ByHand(server);
    String accessToken = client.authorizationCodeGrant().accessToken();
    try (Response fresh = client.callApi(accessToken)) {
      assertThat(fresh.code()).isEqualTo(200);
    }

    server.clock().advance(SpringAuthorizationServer.ACCESS_TOKEN_TTL);
    try (Response lastSecond = client.callApi(accessToken)) {
      assertThat(lastSecond.code()).isEqualTo(200);
    }
    server.clock().advance(Duration.ofSeconds(1));
    try (Response expired = client.callApi(accessToken)) {
      assertThat(expired.code()).isEqualTo(401);
      assertThat(expired.header("WWW-Authenticate")).startsWith("Bearer error=\"invalid_token\"");
    }
  }
}
