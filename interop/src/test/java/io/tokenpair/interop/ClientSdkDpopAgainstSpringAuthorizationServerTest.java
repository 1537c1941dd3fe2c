package io.tokenpair.interop;

import static io.tokenpair.interop.ApiCalls.call;
import static io.tokenpair.interop.ApiCalls.callConcurrently;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tokenpair.client.FileSessionStore;
import io.tokenpair.client.OAuth2RefreshProtocol;
import io.tokenpair.client.RefreshEvent;
import io.tokenpair.client.RefreshProtocol;
import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.interop.OAuth2ByHand.TokenResponse;
import io.tokenpair.interop.TokenEndpointRecorder.Grant;
import io.tokenpair.interop.TokenEndpointRecorder.Revocation;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * client-sdk with {@link TokenPairAuth.Builder#dpop()} against Spring Authorization Server 1.5 and
 * Spring Security 6.5's resource server, both with their DPoP (RFC 9449) support as it comes: the
 * authorization server binds an access token to the key of the token request's {@code DPoP} proof
 * ({@code cnf.jkt}, {@code token_type} DPoP), and the resource server takes {@code Authorization:
 * DPoP} with a proof (signature, {@code htm}, {@code htu}, {@code iat}, {@code jti}, {@code ath},
 * {@code cnf.jkt}) and refuses a bound token sent as Bearer. Neither sends DPoP nonces.
 *
 * <p>The SDK runs on the real clock, as in production: both servers check a proof's {@code iat}
 * against their real clock, 60 seconds either way, and the authorization server has no seam for it.
 * The access tokens' {@code iat} and {@code exp} still follow the {@link
 * io.tokenpair.demo.TestClock}, and so does the resource server's expiry check; the test clock is
 * kept at or ahead of real time, so that the SDK, which reads a token's {@code exp} on the real
 * clock, always learns of the expiry from the resource server's {@code 401 DPoP
 * error="invalid_token"}. Counts are taken at the token and revocation endpoints ({@link
 * TokenEndpointRecorder}).
 */
@ExtendWith(AuthorizationServerExtension.class)
@Timeout(60)
class ClientSdkDpopAgainstSpringAuthorizationServerTest {
  private static final int CALLS = 50;
  private static final Duration PAST_EXPIRY =
      SpringAuthorizationServer.ACCESS_TOKEN_TTL.plusSeconds(1);

  @BeforeEach
  void testClockNotBehindRealTime(SpringAuthorizationServer server) {
    // In whole seconds, as JWT times are (and as the other tests expect the clock to be).
    Instant realTime = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    Duration behind = Duration.between(server.clock().instant(), realTime);
    if (behind.compareTo(Duration.ZERO) > 0) server.clock().advance(behind);
  }

  @Test
  void codeExchangedThroughLoginBindsTheAccessTokenToTheSessionKey(SpringAuthorizationServer server)
      throws Exception {
    Sdk sdk = sdk(server, protocol(server), new RecordingListener(), builder -> {});
    OAuth2ByHand app = new OAuth2ByHand(server);

    String accessToken = sdk.auth.login(app.codeExchange(app.authorize()));

    List<Grant> grants = server.recorder().grants();
    assertThat(grants)
        .extracting(Grant::grantType, Grant::status, Grant::tokenType)
        .containsExactly(tuple("authorization_code", 200, "DPoP"));
    assertThat(grants.get(0).proofKey()).as("the exchange's proof").isNotNull();
    assertThat(grants.get(0).boundKey()).isEqualTo(grants.get(0).proofKey());
    assertThat(call(sdk.client, server.protectedResource())).isEqualTo(200);
    // The SDK's 200 came over DPoP: the resource server refuses the bound token as a bearer token.
    try (Response bearer = app.callApi(accessToken)) {
      assertThat(bearer.code()).isEqualTo(401);
      assertThat(bearer.header("WWW-Authenticate")).startsWith("Bearer error=\"invalid_token\"");
    }
  }

  @Test
  void fiftyCallsAfterExpiryShareOneDpopBoundRefresh(SpringAuthorizationServer server)
      throws Exception {
    RecordingListener listener = new RecordingListener();
    Sdk sdk = signedIn(server, protocol(server), listener, builder -> {});
    Grant login = onlyGrant(server);
    server.recorder().clear();

    server.clock().advance(PAST_EXPIRY);
    List<Integer> statuses =
        callConcurrently(List.of(sdk.client), server.protectedResource(), CALLS);

    assertThat(statuses).hasSize(CALLS).containsOnly(200);
    assertThat(server.recorder().grants())
        .extracting(
            Grant::grantType,
            Grant::status,
            g -> login.issuedRefreshToken().equals(g.presentedRefreshToken()),
            Grant::tokenType,
            Grant::proofKey,
            Grant::boundKey)
        .containsExactly(
            tuple("refresh_token", 200, true, "DPoP", login.proofKey(), login.proofKey()));
    assertThat(listener.awaitEvents(1))
        .extracting(
            RefreshEvent::trigger,
            RefreshEvent::status,
            RefreshEvent::outcome,
            RefreshEvent::dpopBound,
            RefreshEvent::dpopNonceRetries)
        .containsExactly(
            tuple(
                RefreshEvent.Trigger.EXPIRED_STATUS, 401, RefreshEvent.Outcome.REFRESHED, true, 0));
    assertThat(listener.refreshed).hasValue(1);
    assertThat(listener.expired).hasValue(0);
  }

  @Test
  void rotationIsKeptOverSeveralDpopBoundCycles(SpringAuthorizationServer server) throws Exception {
    RecordingListener listener = new RecordingListener();
    Sdk sdk = signedIn(server, protocol(server), listener, builder -> {});
    Grant login = onlyGrant(server);
    server.recorder().clear();

    int cycles = 5;
    for (int i = 0; i < cycles; i++) {
      server.clock().advance(PAST_EXPIRY);
      assertThat(call(sdk.client, server.protectedResource())).isEqualTo(200);
    }
    sdk.auth.forceRefresh();
    assertThat(call(sdk.client, server.protectedResource())).isEqualTo(200);

    List<Grant> grants = server.recorder().grants();
    assertThat(grants)
        .hasSize(cycles + 1)
        .extracting(
            Grant::grantType,
            Grant::status,
            Grant::clientAuthentication,
            Grant::tokenType,
            Grant::proofKey,
            Grant::boundKey)
        .containsOnly(
            tuple(
                "refresh_token",
                200,
                "client_secret_basic",
                "DPoP",
                login.proofKey(),
                login.proofKey()));
    // Each refresh presents exactly the token the previous answer issued: never a spent one.
    assertThat(RotationChain.presentedRefreshTokens(login.issuedRefreshToken(), grants))
        .containsExactlyElementsOf(RotationChain.unbroken(cycles + 1));
    assertThat(listener.awaitEvents(cycles + 1))
        .extracting(RefreshEvent::outcome, RefreshEvent::dpopBound)
        .containsOnly(tuple(RefreshEvent.Outcome.REFRESHED, true));
    TokenResponse reuse = new OAuth2ByHand(server).refresh(login.issuedRefreshToken());
    assertThat(reuse.status()).isEqualTo(400);
    assertThat(reuse.error()).isEqualTo("invalid_grant");
    assertThat(listener.expired).hasValue(0);
  }

  @Test
  void logoutRevokesTheRefreshTokenAndTheServerRefusesItAfterwards(SpringAuthorizationServer server)
      throws Exception {
    RecordingListener listener = new RecordingListener();
    OAuth2RefreshProtocol revoking =
        protocol(server).withRevocation(server.issuer().resolve("/oauth2/revoke"));
    Sdk sdk = signedIn(server, revoking, listener, builder -> {});
    Grant login = onlyGrant(server);
    String refreshToken = login.issuedRefreshToken();
    server.recorder().clear();

    sdk.auth.logout();

    assertThat(server.recorder().revocations())
        .extracting(
            Revocation::clientAuthentication,
            r -> refreshToken.equals(r.token()),
            Revocation::tokenTypeHint,
            Revocation::proofKey,
            Revocation::status)
        .containsExactly(
            tuple("client_secret_basic", true, "refresh_token", login.proofKey(), 200));
    assertThat(server.recorder().grants()).isEmpty();
    assertThat(listener.revocationFailures).hasValue(0);
    assertThat(sdk.auth.accessToken()).isNull();
    // The authorization has ended at the server: the refresh token is refused from now on.
    TokenResponse refused = new OAuth2ByHand(server).refresh(refreshToken);
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.error()).isEqualTo("invalid_grant");
  }

  @Test
  void restartedAppContinuesTheBoundSessionWithTheKeyFromTheSessionFile(
      SpringAuthorizationServer server, @TempDir Path dir) throws Exception {
    File file = dir.resolve("session.json").toFile();
    Consumer<TokenPairAuth.Builder> fileStore = b -> b.sessionStore(FileSessionStore.of(file));
    signedIn(server, protocol(server), new RecordingListener(), fileStore);
    Grant login = onlyGrant(server);
    server.recorder().clear();

    RecordingListener listener = new RecordingListener();
    Sdk restarted = sdk(server, protocol(server), listener, fileStore);
    int beforeExpiry = call(restarted.client, server.protectedResource());
    server.clock().advance(PAST_EXPIRY);
    int afterExpiry = call(restarted.client, server.protectedResource());

    assertThat(beforeExpiry).as("the stored token with a proof by the stored key").isEqualTo(200);
    assertThat(afterExpiry).isEqualTo(200);
    assertThat(server.recorder().grants())
        .extracting(Grant::grantType, Grant::status, Grant::proofKey, Grant::boundKey)
        .containsExactly(tuple("refresh_token", 200, login.proofKey(), login.proofKey()));
    assertThat(listener.awaitEvents(1))
        .extracting(RefreshEvent::outcome, RefreshEvent::dpopBound)
        .containsExactly(tuple(RefreshEvent.Outcome.REFRESHED, true));
    assertThat(listener.expired).hasValue(0);
  }

  /** The confidential client, {@code client_secret_basic}, as in the Bearer tests. */
  private static OAuth2RefreshProtocol protocol(SpringAuthorizationServer server) {
    return RefreshProtocol.oauth2(server.tokenEndpoint(), SpringAuthorizationServer.CLIENT_ID)
        .withClientSecretBasic(SpringAuthorizationServer.CLIENT_SECRET);
  }

  /**
   * An SDK with DPoP on the real clock, the server's API and token endpoint; no refresh ahead, so
   * that only the resource server's answer tells an expiry. {@code options} adds to its builder.
   */
  private static Sdk sdk(
      SpringAuthorizationServer server,
      OAuth2RefreshProtocol protocol,
      RecordingListener listener,
      Consumer<TokenPairAuth.Builder> options) {
    TokenPairAuth.Builder builder =
        TokenPairAuth.builder()
            .baseUrl(server.apiBaseUrl())
            .refreshProtocol(protocol)
            .listener(listener)
            .refreshAhead(0, TimeUnit.SECONDS)
            .dpop();
    options.accept(builder);
    return new Sdk(builder.build());
  }

  /** As {@link #sdk}, signed in through {@link TokenPairAuth#login} with the code exchange. */
  private static Sdk signedIn(
      SpringAuthorizationServer server,
      OAuth2RefreshProtocol protocol,
      RecordingListener listener,
      Consumer<TokenPairAuth.Builder> options)
      throws IOException {
    Sdk sdk = sdk(server, protocol, listener, options);
    OAuth2ByHand app = new OAuth2ByHand(server);
    sdk.auth.login(app.codeExchange(app.authorize()));
    return sdk;
  }

  /** The one token request recorded so far, checked to be a DPoP-bound code exchange. */
  private static Grant onlyGrant(SpringAuthorizationServer server) {
    List<Grant> grants = server.recorder().grants();
    assertThat(grants)
        .extracting(Grant::grantType, Grant::status, Grant::tokenType)
        .containsExactly(tuple("authorization_code", 200, "DPoP"));
    Grant login = grants.get(0);
    assertThat(login.proofKey()).isNotNull().isEqualTo(login.boundKey());
    assertThat(login.issuedRefreshToken()).isNotNull();
    return login;
  }
}
