package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenpair.client.AuthResponseException;
import io.tokenpair.client.RefreshProtocol;
import io.tokenpair.client.TokenStore;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client SDK's {@link RefreshProtocol#oauth2} against the demo server's {@code POST
 * /oauth/token}, in-process on port 0 and on one {@link TestClock}. Counts come from the server's
 * {@code /metrics} and from the wire.
 */
@Timeout(30)
class OAuth2EndToEndTest {
  private static final Duration TTL = Duration.ofMinutes(1);
  private static final Duration PAST_EXPIRY =
      TTL.plusSeconds(TokenService.LEEWAY_SECONDS).plusSeconds(1);

  private final Harness harness = new Harness(b -> b.accessTtl(TTL).passwordGrant(true));
  private final TokenStore tokens = TokenStore.inMemory();
  private final SdkClient app =
      new SdkClient(
          harness,
          b ->
              b.refreshAhead(0, TimeUnit.SECONDS)
                  .tokenStore(tokens)
                  .refreshProtocol(
                      RefreshProtocol.oauth2(
                          HttpUrl.get(harness.url(TokenEndpoint.PATH)), TokenEndpoint.CLIENT_ID)));

  @AfterEach
  void stop() {
    app.close();
    harness.close();
  }

  /** Signs in through {@code TokenPairAuth.login} with the password grant. */
  private String login() throws IOException {
    return app.auth.login(
        harness
            .request(TokenEndpoint.PATH)
            .post(
                new FormBody.Builder()
                    .add("grant_type", "password")
                    .add("username", DemoConfig.DEFAULT_USER)
                    .add("password", DemoConfig.DEFAULT_PASSWORD)
                    .add("client_id", TokenEndpoint.CLIENT_ID)
                    .build())
            .build());
  }

  private long grants(String outcome) {
    return app.metric(
        "tokenpair_token_endpoint_total{grant=\"refresh_token\",outcome=\"" + outcome + "\"}");
  }

  @Test
  void passwordGrantLoginKeepsTheBodyRefreshTokenAndNoCookie() throws IOException {
    var token = login();
    assertThat(token).isEqualTo(app.auth.accessToken()).isNotBlank();
    assertThat(tokens.loadRefreshToken()).isNotBlank();
    assertThat(app.cookies.loadCookies()).isEmpty();
    assertThat(app.status("/api/me")).isEqualTo(200);
    assertThat(app.metric("tokenpair_token_endpoint_total{grant=\"password\",outcome=\"ok\"}"))
        .isEqualTo(1);
  }

  @Test
  void fiftyConcurrentCallsAfterExpiryShareOneRefresh() throws Exception {
    login();
    harness.clock.advance(PAST_EXPIRY);

    var codes = app.parallel("/api/notes", 50);

    assertThat(codes).isEqualTo(Collections.nCopies(50, 200));
    assertThat(grants("ok")).isEqualTo(1);
    assertThat(app.refreshes("ok")).isEqualTo(1);
    assertThat(app.refreshes("rejected") + app.refreshes("reuse_detected")).isZero();
    assertThat(app.wire(200, TokenEndpoint.PATH)).isEqualTo(2); // the login and one refresh
    assertThat(app.sessionExpired).hasValue(0);
  }

  @Test
  void theRotationIsKeptOverSeveralCycles() throws IOException {
    login();
    var previous = tokens.loadRefreshToken();
    for (int cycle = 1; cycle <= 4; cycle++) {
      harness.clock.advance(PAST_EXPIRY);
      assertThat(app.status("/api/me")).isEqualTo(200);
      var current = tokens.loadRefreshToken();
      assertThat(current).isNotEqualTo(previous);
      previous = current;
    }
    assertThat(grants("ok")).isEqualTo(4);
    assertThat(app.refreshes("reuse_detected") + app.refreshes("rejected")).isZero();
    assertThat(app.wire(401, "/api/me")).isEqualTo(4);
  }

  @Test
  void forceRefreshRotatesThroughTheTokenEndpoint() throws IOException {
    var first = login();
    var before = tokens.loadRefreshToken();
    var fresh = app.auth.forceRefresh();
    assertThat(fresh).isNotEqualTo(first).isEqualTo(app.auth.accessToken());
    assertThat(tokens.loadRefreshToken()).isNotEqualTo(before);
    assertThat(grants("ok")).isEqualTo(1);
  }

  @Test
  void aRevokedSessionEndsOnceWithInvalidGrant() throws Exception {
    login();
    var logout =
        harness.execute(
            harness
                .request("/auth/logout")
                .header("Authorization", "Bearer " + app.auth.accessToken())
                .post(RequestBody.create(new byte[0]))
                .build());
    assertThat(logout.code()).isEqualTo(204);

    var codes = app.parallel("/api/me", 10);

    assertThat(codes).isEqualTo(Collections.nCopies(10, 401));
    assertThat(app.sessionExpired).hasValue(1);
    assertThat(grants("rejected")).isEqualTo(1);
    assertThat(app.auth.accessToken()).isNull();
    assertThat(tokens.loadRefreshToken()).isNull();
  }

  @Test
  void aStolenRefreshTokenReplayedEndsTheSessionOnce() throws Exception {
    login();
    var stolen = tokens.loadRefreshToken();
    harness.clock.advance(PAST_EXPIRY);
    assertThat(app.status("/api/me")).isEqualTo(200); // rotates: stolen is now spent

    var replay =
        harness.execute(
            harness
                .request(TokenEndpoint.PATH)
                .post(
                    new FormBody.Builder()
                        .add("grant_type", "refresh_token")
                        .add("refresh_token", stolen)
                        .build())
                .build());
    assertThat(replay.json().path("error").asText()).isEqualTo("invalid_grant");

    assertThatThrownBy(app.auth::forceRefresh)
        .isInstanceOf(AuthResponseException.class)
        .satisfies(e -> assertThat(((AuthResponseException) e).endsSession()).isTrue());
    assertThat(app.sessionExpired).hasValue(1);
    assertThat(grants("reuse_detected")).isEqualTo(1);
    assertThat(grants("rejected")).isEqualTo(1);
    assertThat(app.status("/api/me")).isEqualTo(401);
    assertThat(app.sessionExpired).hasValue(1);
  }
}
