package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenpair.demo.DemoConfig.DpopMode;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --dpop optional}, the flags, and the revocation counter; the rules shared with the test
 * double are in {@link TokenServerContractTest}.
 */
class DpopOptionalTest {
  private static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded");
  private static final String PASSWORD_GRANT =
      "grant_type=password&username=demo&password=demo-password";

  private final Harness harness = new Harness(b -> b.passwordGrant(true).dpop(DpopMode.OPTIONAL));
  private final DpopKey key = new DpopKey();

  @AfterEach
  void stop() {
    harness.close();
  }

  private Harness.Answer post(String path, String form, String proof) {
    var request = harness.request(path).post(RequestBody.create(form, FORM));
    if (proof != null) request.header("DPoP", proof);
    return harness.execute(request.build());
  }

  private String proof(String method, String path) {
    return key.proof(method, harness.url(path), harness.clock.instant().getEpochSecond()).sign();
  }

  @Test
  void grantWithoutAProofIssuesBearerTokens() {
    var grant = post("/oauth/token", PASSWORD_GRANT, null);
    assertThat(grant.code()).isEqualTo(200);
    assertThat(grant.json().get("token_type").asText()).isEqualTo("Bearer");
    var access = grant.json().get("access_token").asText();
    assertThat(harness.getWithBearer("/api/me", access).code()).isEqualTo(200);
  }

  @Test
  void grantWithAProofIssuesBoundTokens() {
    var grant = post("/oauth/token", PASSWORD_GRANT, proof("POST", "/oauth/token"));
    assertThat(grant.json().get("token_type").asText()).isEqualTo("DPoP");
    var access = grant.json().get("access_token").asText();
    assertThat(harness.getWithBearer("/api/me", access).code()).isEqualTo(401);
    var refresh =
        "grant_type=refresh_token&refresh_token=" + grant.json().get("refresh_token").asText();
    var withoutProof = post("/oauth/token", refresh, null);
    assertThat(withoutProof.code()).isEqualTo(400);
    assertThat(withoutProof.json().get("error").asText()).isEqualTo("invalid_dpop_proof");
  }

  @Test
  void revocationsAreCounted() {
    assertThat(post("/oauth/revoke", "token=unknown", null).code()).isEqualTo(200);
    assertThat(harness.get("/metrics").body()).contains("tokenpair_revocation_total 1\n");
  }

  @Test
  void dpopFlagsAreParsedAndNoncesNeedDpop() {
    var config =
        ConfigParser.parse(new String[] {"--dpop", "required", "--dpop-nonce", "on"}, Map.of())
            .build();
    assertThat(config.dpop()).isEqualTo(DpopMode.REQUIRED);
    assertThat(config.dpopNonce()).isTrue();
    assertThat(ConfigParser.parse(new String[0], Map.of()).build().dpop()).isEqualTo(DpopMode.OFF);
    assertThatThrownBy(
            () -> ConfigParser.parse(new String[] {"--dpop-nonce", "on"}, Map.of()).build())
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --dpop-nonce on needs --dpop optional or required.");
    assertThatThrownBy(() -> ConfigParser.parse(new String[] {"--dpop", "yes"}, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Flag --dpop must be one of off|optional|required, got 'yes'.");
  }
}
