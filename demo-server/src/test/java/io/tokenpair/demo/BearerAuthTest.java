package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Protected routes against the real server: RFC 6750 answers and the token attacks. */
class BearerAuthTest {
  private static final String REALM = "Bearer realm=\"tokenpair\"";
  private static final String INVALID = "Bearer realm=\"tokenpair\", error=\"invalid_token\"";

  private Harness harness = new Harness();

  @AfterEach
  void stop() {
    harness.close();
  }

  @Test
  void validAccessTokenReadsMe() {
    var pair = harness.login();
    var me = harness.getWithBearer("/api/me", pair.accessToken());
    assertThat(me.code()).isEqualTo(200);
    assertThat(me.body())
        .isEqualTo(
            "{\"code\":0,\"message\":\"ok\",\"data\":{\"id\":\""
                + UserDirectory.idOf("demo")
                + "\",\"username\":\"demo\"}}");
    assertThat(me.header("Cache-Control")).isEqualTo("no-store");
  }

  @Test
  void notesAreASecondProtectedResource() {
    var pair = harness.login();
    var notes = harness.getWithBearer("/api/notes", pair.accessToken());
    assertThat(notes.code()).isEqualTo(200);
    assertThat(notes.json().at("/data/items/0/title").asText()).isEqualTo("Welcome, demo");
    assertThat(harness.get("/api/notes").code()).isEqualTo(401);
  }

  @Test
  void lowercaseBearerSchemeIsAccepted() {
    var pair = harness.login();
    var me =
        harness.execute(
            harness
                .request("/api/me")
                .header("Authorization", "bearer " + pair.accessToken())
                .build());
    assertThat(me.code()).isEqualTo(200);
  }

  @Test
  void missingCredentialsGet401WithRealmButNoError() {
    var me = harness.get("/api/me");
    assertThat(me.code()).isEqualTo(401);
    assertThat(me.header("WWW-Authenticate")).isEqualTo(REALM);
    assertThat(me.json().get("error").asText()).isEqualTo("missing_token");
    assertThat(me.json().get("code").asInt()).isEqualTo(401);
  }

  @Test
  void otherAuthSchemeCountsAsMissingCredentials() {
    var me =
        harness.execute(
            harness.request("/api/me").header("Authorization", "Basic ZGVtbzpkZW1v").build());
    assertThat(me.code()).isEqualTo(401);
    assertThat(me.header("WWW-Authenticate")).isEqualTo(REALM);
  }

  @Test
  void garbageTokenGets401InvalidToken() {
    var me = harness.getWithBearer("/api/me", "not-a-jwt");
    assertThat(me.code()).isEqualTo(401);
    assertThat(me.header("WWW-Authenticate")).isEqualTo(INVALID);
    assertThat(me.json().get("error").asText()).isEqualTo("invalid_token");
  }

  @Test
  void expiredAccessTokenGets401InvalidToken() {
    var pair = harness.login();
    harness.clock.advance(Duration.ofMinutes(15).plusSeconds(TokenService.LEEWAY_SECONDS + 1));
    var me = harness.getWithBearer("/api/me", pair.accessToken());
    assertThat(me.code()).isEqualTo(401);
    assertThat(me.header("WWW-Authenticate")).isEqualTo(INVALID);
    assertThat(me.json().get("error").asText()).isEqualTo("token_expired");
  }

  @Test
  void expiredStatus419AppliesToExpiredTokensOnly() {
    harness.close();
    harness = new Harness(b -> b.expiredStatus(419));
    var pair = harness.login();
    assertThat(harness.getWithBearer("/api/me", "garbage").code()).isEqualTo(401);
    harness.clock.advance(Duration.ofMinutes(16));
    var me = harness.getWithBearer("/api/me", pair.accessToken());
    assertThat(me.code()).isEqualTo(419);
    assertThat(me.header("WWW-Authenticate")).isEqualTo(INVALID);
  }

  @Test
  void forgedAlgNoneTokenIsRejected() {
    var forged =
        JWT.create()
            .withHeader(Map.of("typ", "at+jwt"))
            .withIssuer(TokenService.ISSUER)
            .withAudience(TokenService.ACCESS_AUDIENCE)
            .withSubject("1")
            .withClaim("name", "demo")
            .withClaim("sid", "anything")
            .withJWTId("x")
            .withExpiresAt(harness.clock.instant().plusSeconds(600))
            .sign(Algorithm.none());
    var me = harness.getWithBearer("/api/me", forged);
    assertThat(me.code()).isEqualTo(401);
    assertThat(me.header("WWW-Authenticate")).isEqualTo(INVALID);
  }

  @Test
  void flippedSignatureBitIsRejected() {
    var token = harness.login().accessToken();
    var dot = token.lastIndexOf('.');
    var signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    signature[signature.length - 1] ^= 0x01;
    var tampered =
        token.substring(0, dot + 1)
            + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    assertThat(harness.getWithBearer("/api/me", tampered).code()).isEqualTo(401);
  }

  @Test
  void refreshTokenUsedAsBearerIsRejected() {
    var pair = harness.login();
    var me = harness.getWithBearer("/api/me", pair.refreshToken());
    assertThat(me.code()).isEqualTo(401);
    assertThat(me.header("WWW-Authenticate")).isEqualTo(INVALID);
  }

  @Test
  void accessTokenOfARevokedSessionIsRejectedAtOnceOnEveryRoute() {
    var pair = harness.login();
    var sid = JWT.decode(pair.accessToken()).getClaim("sid").asString();
    harness.server.sessions().revoke(sid);
    for (var path : new String[] {"/api/me", "/api/notes"}) {
      var answer = harness.getWithBearer(path, pair.accessToken());
      assertThat(answer.code()).as(path).isEqualTo(401);
      assertThat(answer.json().get("message").asText()).isEqualTo("The session has ended.");
    }
  }

  @Test
  void twoAuthorizationHeadersAre400() {
    var pair = harness.login();
    var me =
        harness.execute(
            harness
                .request("/api/me")
                .addHeader("Authorization", "Bearer " + pair.accessToken())
                .addHeader("Authorization", "Bearer " + pair.accessToken())
                .build());
    assertThat(me.code()).isEqualTo(400);
  }
}
