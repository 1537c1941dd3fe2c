package io.tokenpair.mockwebserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenpair.mockwebserver.TokenServerDispatcherTest.MutableClock;
import java.io.IOException;
import java.util.Base64;
import java.util.function.Consumer;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.Credentials;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** DPoP (RFC 9449) at the token endpoint and the resources, and revocation (RFC 7009). */
@Timeout(10)
final class TokenServerDispatcherDpopTest {
  private static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded");
  private static final String PASSWORD_GRANT =
      "grant_type=password&username=demo&password=demo-password";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @StartStop public final MockWebServer server = new MockWebServer();

  private final OkHttpClient client =
      new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  private final MutableClock clock = new MutableClock();
  private final DpopKey key = new DpopKey();
  private TokenServerDispatcher tokens;

  private TokenServerDispatcher.Builder builder() {
    return TokenServerDispatcher.builder().passwordGrant().clock(clock);
  }

  private void use(TokenServerDispatcher.Builder builder) {
    tokens = builder.build();
    server.setDispatcher(tokens);
  }

  private static final class Answer {
    final int code;
    final JsonNode body;
    final Headers headers;

    Answer(Response response) throws IOException {
      this.code = response.code();
      String text = response.body().string();
      this.body = text.isEmpty() ? null : MAPPER.readTree(text);
      this.headers = response.headers();
    }

    String error() {
      return body.get("error").asText();
    }

    String accessToken() {
      return body.get("access_token").asText();
    }

    String refreshToken() {
      return body.get("refresh_token").asText();
    }
  }

  private Answer execute(Request.Builder request) throws IOException {
    try (Response response = client.newCall(request.build()).execute()) {
      return new Answer(response);
    }
  }

  private long now() {
    return clock.millis / 1000;
  }

  private String url(String path) {
    return server.url(path).toString();
  }

  private DpopKey.Proof tokenProof() {
    return key.proof("POST", url("/oauth/token"), now());
  }

  private Answer token(String form, String proof) throws IOException {
    return post("/oauth/token", form, proof);
  }

  private Answer post(String path, String form, String proof) throws IOException {
    Request.Builder request =
        new Request.Builder().url(url(path)).post(RequestBody.create(form, FORM));
    if (proof != null) request.header("DPoP", proof);
    return execute(request);
  }

  private Answer passwordGrant() throws IOException {
    Answer answer = token(PASSWORD_GRANT, tokenProof().sign());
    assertThat(answer.code).as("%s", answer.body).isEqualTo(200);
    return answer;
  }

  private Answer refresh(String refreshToken, String proof) throws IOException {
    return token("grant_type=refresh_token&refresh_token=" + refreshToken, proof);
  }

  private DpopKey.Proof resourceProof(DpopKey with, String accessToken) {
    return with.proof("GET", url("/api/me"), now()).accessToken(accessToken);
  }

  private Answer me(String authorization, String proof) throws IOException {
    Request.Builder request = new Request.Builder().url(url("/api/me"));
    if (authorization != null) request.header("Authorization", authorization);
    if (proof != null) request.header("DPoP", proof);
    return execute(request);
  }

  private Answer me(String accessToken) throws IOException {
    return me("DPoP " + accessToken, resourceProof(key, accessToken).sign());
  }

  private static String claims(String jwt) throws IOException {
    return new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), "UTF-8");
  }

  @Test
  void grantWithAProofIssuesAPairBoundToItsKey() throws IOException {
    use(builder().dpop());
    Answer grant = passwordGrant();
    assertThat(grant.body.get("token_type").asText()).isEqualTo("DPoP");
    assertThat(MAPPER.readTree(claims(grant.accessToken())).at("/cnf/jkt").asText())
        .isEqualTo(key.thumbprint());

    Answer me = me(grant.accessToken());
    assertThat(me.code).isEqualTo(200);
    assertThat(tokens.dpopProofFailures()).isZero();
  }

  @Test
  void grantWithoutAProofIsRefusedAndIsNoLogin() throws IOException {
    use(builder().dpop());
    Answer answer = token(PASSWORD_GRANT, null);
    assertThat(answer.code).isEqualTo(400);
    assertThat(answer.error()).isEqualTo("invalid_dpop_proof");
    assertThat(answer.body.get("error_description").asText())
        .isEqualTo("A DPoP proof is required.");
    assertThat(tokens.dpopProofFailures()).isEqualTo(1);
    assertThat(tokens.loginCount()).isZero();
  }

  @Test
  void withoutDpopAProofIsIgnoredAndTokensAreBearer() throws IOException {
    use(builder());
    Answer grant = passwordGrant();
    assertThat(grant.body.get("token_type").asText()).isEqualTo("Bearer");
    assertThat(me("Bearer " + grant.accessToken(), null).code).isEqualTo(200);
    assertThat(me(grant.accessToken()).code).as("the DPoP scheme is unknown").isEqualTo(401);
  }

  @Test
  void boundAccessTokenIsRefusedAsBearer() throws IOException {
    use(builder().dpop());
    Answer grant = passwordGrant();
    Answer answer = me("Bearer " + grant.accessToken(), null);
    assertThat(answer.code).isEqualTo(401);
    assertThat(answer.error()).isEqualTo("invalid_token");
    assertThat(answer.headers.get("WWW-Authenticate"))
        .isEqualTo("DPoP realm=\"tokenpair\", error=\"invalid_token\", algs=\"ES256\"");
  }

  @Test
  void proofOfAnotherKeyIsRefusedAtTheResource() throws IOException {
    use(builder().dpop());
    Answer grant = passwordGrant();
    DpopKey thief = new DpopKey();
    Answer answer =
        me("DPoP " + grant.accessToken(), resourceProof(thief, grant.accessToken()).sign());
    assertThat(answer.code).isEqualTo(401);
    assertThat(answer.error()).isEqualTo("invalid_dpop_proof");
    assertThat(answer.headers.get("WWW-Authenticate"))
        .isEqualTo("DPoP realm=\"tokenpair\", error=\"invalid_dpop_proof\", algs=\"ES256\"");
    assertThat(tokens.dpopProofFailures()).isEqualTo(1);
  }

  @Test
  void expiredBoundTokenGetsADpopInvalidTokenChallenge() throws IOException {
    use(builder().dpop());
    Answer grant = passwordGrant();
    tokens.expireAccessTokens();
    Answer answer = me(grant.accessToken());
    assertThat(answer.code).isEqualTo(401);
    assertThat(answer.error()).isEqualTo("token_expired");
    assertThat(answer.headers.get("WWW-Authenticate"))
        .isEqualTo("DPoP realm=\"tokenpair\", error=\"invalid_token\", algs=\"ES256\"");
  }

  @Test
  void refreshWithAnotherKeyIsRefusedAndConsumesNothing() throws IOException {
    use(builder().dpop());
    Answer grant = passwordGrant();
    DpopKey thief = new DpopKey();
    Answer stolen =
        refresh(grant.refreshToken(), thief.proof("POST", url("/oauth/token"), now()).sign());
    assertThat(stolen.code).isEqualTo(400);
    assertThat(stolen.error()).isEqualTo("invalid_dpop_proof");
    assertThat(stolen.body.get("error_description").asText())
        .isEqualTo("The token is bound to a DPoP key that this request does not prove.");

    Answer owner = refresh(grant.refreshToken(), tokenProof().sign());
    assertThat(owner.code).isEqualTo(200);
    assertThat(tokens.reuseDetectedCount()).isZero();
    assertThat(me(owner.accessToken()).code).isEqualTo(200);
  }

  @Test
  void confidentialClientsRefreshTokenIsNotBound() throws IOException {
    use(builder().dpop().clientSecret("s3cret"));
    String basic = Credentials.basic("tokenpair-demo", "s3cret");
    Request.Builder login =
        new Request.Builder()
            .url(url("/oauth/token"))
            .header("Authorization", basic)
            .header("DPoP", tokenProof().sign())
            .post(RequestBody.create(PASSWORD_GRANT, FORM));
    Answer grant = execute(login);
    assertThat(grant.code).isEqualTo(200);

    DpopKey other = new DpopKey();
    Answer refreshed =
        execute(
            new Request.Builder()
                .url(url("/oauth/token"))
                .header("Authorization", basic)
                .header("DPoP", other.proof("POST", url("/oauth/token"), now()).sign())
                .post(
                    RequestBody.create(
                        "grant_type=refresh_token&refresh_token=" + grant.refreshToken(), FORM)));
    assertThat(refreshed.code).isEqualTo(200);
    String access = refreshed.accessToken();
    assertThat(me("DPoP " + access, resourceProof(other, access).sign()).code).isEqualTo(200);
    assertThat(me(access).code).as("bound to the refresh's key").isEqualTo(401);
  }

  /** Each broken proof is refused with its reason, before the grant is looked at. */
  private void assertRefused(Consumer<DpopKey.Proof> breakIt, String description)
      throws IOException {
    use(builder().dpop());
    DpopKey.Proof proof = tokenProof();
    breakIt.accept(proof);
    Answer answer = token(PASSWORD_GRANT, proof.sign());
    assertThat(answer.code).isEqualTo(400);
    assertThat(answer.error()).isEqualTo("invalid_dpop_proof");
    assertThat(answer.body.get("error_description").asText()).isEqualTo(description);
    assertThat(tokens.dpopProofFailures()).isEqualTo(1);
    assertThat(tokens.passwordGrantCount()).isZero();
  }

  @Test
  void proofsThatBreakARuleAreRefused() throws IOException {
    assertRefused(p -> p.typ = "JWT", "The DPoP proof's typ must be dpop+jwt.");
    assertRefused(p -> p.alg = "RS256", "The DPoP proof must be signed with ES256.");
    assertRefused(
        p -> p.privateKeyInJwk = true, "The DPoP proof's jwk must not hold a private key.");
    assertRefused(p -> p.badSignature = true, "The DPoP proof's signature is invalid.");
    assertRefused(p -> p.htm = "GET", "The DPoP proof's htm is not the request's method.");
    assertRefused(
        p -> p.htu = url("/oauth/revoke"), "The DPoP proof's htu is not the request's URL.");
    assertRefused(
        p -> p.htu = p.htu.replace("http:", "https:"),
        "The DPoP proof's htu is not the request's URL.");
    assertRefused(p -> p.iat = now() + 16, "The DPoP proof's iat is outside the accepted window.");
    assertRefused(p -> p.iat = now() - 26, "The DPoP proof's iat is outside the accepted window.");
  }

  @Test
  void iatWindowIs15SecondsAheadAnd25Behind() throws IOException {
    use(builder().dpop());
    DpopKey.Proof ahead = tokenProof();
    ahead.iat = now() + 15;
    assertThat(token(PASSWORD_GRANT, ahead.sign()).code).isEqualTo(200);
    DpopKey.Proof behind = tokenProof();
    behind.iat = now() - 25;
    assertThat(token(PASSWORD_GRANT, behind.sign()).code).isEqualTo(200);
  }

  @Test
  void htuIgnoresQueryAndFragment() throws IOException {
    use(builder().dpop());
    DpopKey.Proof proof = tokenProof();
    proof.htu = proof.htu + "?x=1#y";
    assertThat(token(PASSWORD_GRANT, proof.sign()).code).isEqualTo(200);
  }

  @Test
  void replayedProofIsRefused() throws IOException {
    use(builder().dpop());
    Answer grant = passwordGrant();
    String proof = resourceProof(key, grant.accessToken()).sign();
    assertThat(me("DPoP " + grant.accessToken(), proof).code).isEqualTo(200);
    Answer replay = me("DPoP " + grant.accessToken(), proof);
    assertThat(replay.code).isEqualTo(401);
    assertThat(replay.body.get("message").asText()).isEqualTo("The DPoP proof was already used.");
    assertThat(tokens.dpopProofFailures()).isEqualTo(1);
  }

  @Test
  void resourceProofNeedsTheHashOfTheAccessToken() throws IOException {
    use(builder().dpop());
    Answer grant = passwordGrant();
    String withoutAth = key.proof("GET", url("/api/me"), now()).sign();
    Answer missing = me("DPoP " + grant.accessToken(), withoutAth);
    assertThat(missing.code).isEqualTo(401);
    assertThat(missing.body.get("message").asText())
        .isEqualTo("The DPoP proof's ath is not the hash of the access token.");
    String wrongAth = resourceProof(key, "another token").sign();
    assertThat(me("DPoP " + grant.accessToken(), wrongAth).code).isEqualTo(401);
    assertThat(me("DPoP " + grant.accessToken(), null).error()).isEqualTo("invalid_dpop_proof");
  }

  @Test
  void nonceIsChallengedThenAccepted() throws IOException {
    use(builder().requireDpopNonce());
    Answer challenge = token(PASSWORD_GRANT, tokenProof().sign());
    assertThat(challenge.code).isEqualTo(400);
    assertThat(challenge.error()).isEqualTo("use_dpop_nonce");
    String nonce = challenge.headers.get("DPoP-Nonce");
    assertThat(nonce).isEqualTo(tokens.dpopNonce()).isNotEmpty();
    assertThat(tokens.passwordGrantCount()).isZero();

    Answer grant = token(PASSWORD_GRANT, tokenProof().nonce(nonce).sign());
    assertThat(grant.code).isEqualTo(200);
    assertThat(grant.headers.get("DPoP-Nonce")).isEqualTo(nonce);
    String access = grant.accessToken();
    assertThat(me("DPoP " + access, resourceProof(key, access).nonce(nonce).sign()).code)
        .isEqualTo(200);

    tokens.rotateDpopNonce();
    Answer stale = me("DPoP " + access, resourceProof(key, access).nonce(nonce).sign());
    assertThat(stale.code).isEqualTo(401);
    assertThat(stale.headers.get("WWW-Authenticate"))
        .isEqualTo("DPoP realm=\"tokenpair\", error=\"use_dpop_nonce\", algs=\"ES256\"");
    String fresh = stale.headers.get("DPoP-Nonce");
    assertThat(fresh).isNotEqualTo(nonce).isEqualTo(tokens.dpopNonce());
    assertThat(me("DPoP " + access, resourceProof(key, access).nonce(fresh).sign()).code)
        .isEqualTo(200);
    assertThat(tokens.dpopNonceChallengeCount()).isEqualTo(2);
    assertThat(tokens.dpopProofFailures()).isZero();
  }

  @Test
  void nonceChallengedRefreshConsumesNothingAndIsNoRefresh() throws IOException {
    use(builder().requireDpopNonce());
    String nonce = tokens.dpopNonce();
    Answer grant = token(PASSWORD_GRANT, tokenProof().nonce(nonce).sign());
    tokens.rotateDpopNonce();
    Answer challenge = refresh(grant.refreshToken(), tokenProof().nonce(nonce).sign());
    assertThat(challenge.code).isEqualTo(400);
    assertThat(challenge.error()).isEqualTo("use_dpop_nonce");
    assertThat(tokens.refreshCount()).isZero();

    String fresh = challenge.headers.get("DPoP-Nonce");
    Answer retry = refresh(grant.refreshToken(), tokenProof().nonce(fresh).sign());
    assertThat(retry.code).isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(tokens.reuseDetectedCount()).isZero();
  }

  @Test
  void nonceIsNotRequiredWithoutRequireDpopNonce() throws IOException {
    use(builder().dpop());
    assertThat(tokens.dpopNonce()).isNull();
    Answer grant = passwordGrant();
    assertThat(grant.headers.get("DPoP-Nonce")).isNull();
  }

  @Test
  void revokingTheRefreshTokenEndsTheGrant() throws IOException {
    use(builder());
    Answer grant = passwordGrant();
    Answer revoked =
        post(
            "/oauth/revoke",
            "token=" + grant.refreshToken() + "&token_type_hint=refresh_token",
            null);
    assertThat(revoked.code).isEqualTo(200);
    assertThat(revoked.body).isNull();
    assertThat(revoked.headers.get("Cache-Control")).isEqualTo("no-store");
    assertThat(tokens.revocationCount()).isEqualTo(1);

    assertThat(refresh(grant.refreshToken(), null).error()).isEqualTo("invalid_grant");
    assertThat(me("Bearer " + grant.accessToken(), null).code).isEqualTo(401);
    assertThat(tokens.activeSessionCount()).isZero();
  }

  @Test
  void revokingAnUnknownTokenAnswers200() throws IOException {
    use(builder());
    assertThat(post("/oauth/revoke", "token=unknown", null).code).isEqualTo(200);
    assertThat(post("/oauth/revoke", "token=unknown", null).code).isEqualTo(200);
    assertThat(tokens.revocationCount()).isEqualTo(2);
  }

  @Test
  void revocationChecksTheRequestAndTheClient() throws IOException {
    use(builder().clientSecret("s3cret"));
    Answer missing = post("/oauth/revoke", "token_type_hint=refresh_token", null);
    assertThat(missing.code).isEqualTo(401);
    assertThat(missing.error()).isEqualTo("invalid_client");
    Answer noToken = post("/oauth/revoke", "client_id=tokenpair-demo&client_secret=s3cret", null);
    assertThat(noToken.code).isEqualTo(400);
    assertThat(noToken.error()).isEqualTo("invalid_request");
    Answer get = execute(new Request.Builder().url(url("/oauth/revoke")));
    assertThat(get.code).isEqualTo(405);
    assertThat(get.error()).isEqualTo("invalid_request");
  }

  @Test
  void boundRefreshTokenIsRevokedOnlyWithAProofOfItsKey() throws IOException {
    use(builder().dpop());
    Answer grant = passwordGrant();
    String form = "token=" + grant.refreshToken();
    Answer without = post("/oauth/revoke", form, null);
    assertThat(without.code).isEqualTo(400);
    assertThat(without.error()).isEqualTo("invalid_dpop_proof");
    assertThat(tokens.activeSessionCount()).isEqualTo(1);

    String proof = key.proof("POST", url("/oauth/revoke"), now()).sign();
    assertThat(post("/oauth/revoke", form, proof).code).isEqualTo(200);
    assertThat(tokens.activeSessionCount()).isZero();
    assertThat(refresh(grant.refreshToken(), tokenProof().sign()).error())
        .isEqualTo("invalid_grant");
  }
}
