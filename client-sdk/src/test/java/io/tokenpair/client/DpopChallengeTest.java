package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * The challenge reading that DPoP needs: {@code error} found in any parameter order, with quoted
 * strings and several challenges per header (Keycloak and oidc-provider put {@code realm} or {@code
 * algs} first), and which DPoP challenges are an expiry.
 */
final class DpopChallengeTest {
  private static Response unauthorized(String... wwwAuthenticate) {
    Response.Builder response =
        new Response.Builder()
            .request(new Request.Builder().url("https://api.example.com/me").build())
            .protocol(Protocol.HTTP_1_1)
            .code(401)
            .message("Unauthorized");
    for (String value : wwwAuthenticate) response.addHeader("WWW-Authenticate", value);
    return response.build();
  }

  @Test
  void findsTheErrorInAnyParameterOrder() {
    String[] headers = {
      "DPoP error=\"use_dpop_nonce\"",
      "DPoP realm=\"x\", error=\"use_dpop_nonce\", algs=\"ES256\"",
      "DPoP algs=\"ES256 PS256\", error=\"use_dpop_nonce\"",
      "DPoP algs=\"ES256\", realm=\"api\", error=use_dpop_nonce",
      "Bearer realm=\"api\", DPoP algs=\"ES256\", error=\"use_dpop_nonce\"",
    };
    for (String header : headers) {
      assertThat(AuthPolicy.challengeError(unauthorized(header), "DPoP"))
          .as(header)
          .isEqualTo("use_dpop_nonce");
      assertThat(AuthPolicy.challengeMeansExpiry(unauthorized(header), true)).as(header).isFalse();
    }
    assertThat(
            AuthPolicy.challengeError(
                unauthorized("Bearer realm=\"api\"", "DPoP realm=\"x\", error=\"use_dpop_nonce\""),
                "DPoP"))
        .isEqualTo("use_dpop_nonce");
  }

  @Test
  void dpopInvalidTokenOrNoErrorIsAnExpiryOnlyWithDpopOn() {
    Response invalid = unauthorized("DPoP realm=\"api\", algs=\"ES256\", error=\"invalid_token\"");
    Response bare = unauthorized("DPoP algs=\"ES256\"");
    assertThat(AuthPolicy.challengeMeansExpiry(invalid, true)).isTrue();
    assertThat(AuthPolicy.challengeMeansExpiry(bare, true)).isTrue();
    assertThat(AuthPolicy.challengeMeansExpiry(invalid, false)).isFalse();
    assertThat(
            AuthPolicy.challengeMeansExpiry(
                unauthorized("DPoP error=\"insufficient_scope\", algs=\"ES256\""), true))
        .isFalse();
    assertThat(
            AuthPolicy.challengeMeansExpiry(
                unauthorized("DPoP algs=\"ES256\", error=\"invalid_dpop_proof\""), true))
        .isFalse();
    assertThat(AuthPolicy.challengeMeansExpiry(unauthorized("Basic realm=\"x\""), true)).isFalse();
  }

  @Test
  void nonceIsKeptPerOriginAndValidated() {
    DpopNonces nonces = new DpopNonces();
    Response idp =
        new Response.Builder()
            .request(new Request.Builder().url("https://sso.example.com/token").build())
            .protocol(Protocol.HTTP_1_1)
            .code(400)
            .message("Bad Request")
            .header("DPoP-Nonce", "idp-nonce")
            .build();
    Response api =
        unauthorized("DPoP error=\"use_dpop_nonce\"")
            .newBuilder()
            .header("DPoP-Nonce", "api-nonce")
            .build();
    Response bad = api.newBuilder().header("DPoP-Nonce", "a\"b").build();
    assertThat(nonces.remember(idp)).isTrue();
    assertThat(nonces.remember(api)).isTrue();
    assertThat(nonces.remember(bad)).isFalse();
    assertThat(nonces.get(okhttp3.HttpUrl.get("https://sso.example.com/other")))
        .isEqualTo("idp-nonce");
    assertThat(nonces.get(okhttp3.HttpUrl.get("https://api.example.com/x?q=1")))
        .isEqualTo("api-nonce");
    assertThat(nonces.get(okhttp3.HttpUrl.get("https://api.example.com:8443/x"))).isNull();
  }

  @Test
  void htuIsSchemeHostPortAndPathAsSent() {
    assertThat(DpopProofs.htu(okhttp3.HttpUrl.get("https://u:p@api.example.com/a/b?q=1#f")))
        .isEqualTo("https://api.example.com/a/b");
    assertThat(DpopProofs.htu(okhttp3.HttpUrl.get("http://localhost:8080/token")))
        .isEqualTo("http://localhost:8080/token");
    assertThat(DpopProofs.htu(okhttp3.HttpUrl.get("http://[::1]:80/x")))
        .isEqualTo("http://[::1]/x");
  }
}
