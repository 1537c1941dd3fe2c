package io.tokenpair.interop;

import static io.tokenpair.interop.ApiCalls.call;
import static io.tokenpair.interop.ApiCalls.callConcurrently;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tokenpair.client.AuthResponseException;
import io.tokenpair.client.FileSessionStore;
import io.tokenpair.client.OAuth2RefreshProtocol;
import io.tokenpair.client.RefreshEvent;
import io.tokenpair.client.RefreshProtocol;
import io.tokenpair.client.SdkClocks;
import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.interop.OAuth2ByHand.TokenResponse;
import io.tokenpair.interop.TokenEndpointRecorder.Grant;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;

/**
 * client-sdk with {@link RefreshProtocol#oauth2} against Spring Authorization Server with
 * refresh-token rotation: the pair comes from the authorization-code grant ({@link
 * TokenPairAuth#signIn}), the API is on another origin ({@code localhost}) than the token endpoint
 * ({@code 127.0.0.1}), and the SDK reads the same {@link io.tokenpair.demo.TestClock} as the
 * server. Counts are taken at the server's token endpoint ({@link TokenEndpointRecorder}).
 */
@ExtendWith(AuthorizationServerExtension.class)
@Timeout(60)
class ClientSdkAgainstSpringAuthorizationServerTest {
  private static final int CALLS = 50;
  private static final Duration PAST_EXPIRY =
      SpringAuthorizationServer.ACCESS_TOKEN_TTL.plusSeconds(1);

  /** How the SDK authenticates the client at the token endpoint. */
  enum ClientAuthentication {
    CLIENT_SECRET_BASIC,
    CLIENT_SECRET_POST;

    OAuth2RefreshProtocol protocol(SpringAuthorizationServer server) {
      OAuth2RefreshProtocol protocol =
          RefreshProtocol.oauth2(server.tokenEndpoint(), SpringAuthorizationServer.CLIENT_ID);
      return this == CLIENT_SECRET_BASIC
          ? protocol.withClientSecretBasic(SpringAuthorizationServer.CLIENT_SECRET)
          : protocol.withClientSecretPost(SpringAuthorizationServer.CLIENT_SECRET);
    }
  }

  /** How the authorization is revoked at the server. */
  enum Revocation {
    /** RFC 7009: {@code POST /oauth2/revoke} with the refresh token. */
    REVOCATION_ENDPOINT,
    /** The authorization removed from Spring's {@code OAuth2AuthorizationService}. */
    AUTHORIZATION_REMOVED
  }

  @Test
  void fiftyCallsAfterExpiryShareOneRefresh(SpringAuthorizationServer server) throws Exception {
    RecordingListener listener = new RecordingListener();
    Sdk sdk = signedIn(server, ClientAuthentication.CLIENT_SECRET_BASIC, listener, true);
    String signInRefreshToken = server.recorder().lastIssuedRefreshToken();
    server.recorder().clear();

    server.clock().advance(PAST_EXPIRY);
    List<Integer> statuses =
        callConcurrently(List.of(sdk.client), server.protectedResource(), CALLS);

    assertThat(statuses).hasSize(CALLS).containsOnly(200);
    assertThat(server.recorder().refreshGrants())
        .extracting(Grant::status, g -> signInRefreshToken.equals(g.presentedRefreshToken()))
        .containsExactly(tuple(200, true));
    assertThat(listener.awaitEvents(1))
        .extracting(RefreshEvent::trigger, RefreshEvent::outcome)
        .containsExactly(
            tuple(RefreshEvent.Trigger.AHEAD_OF_EXPIRY, RefreshEvent.Outcome.REFRESHED));
    assertThat(listener.refreshed).hasValue(1);
    assertThat(listener.expired).hasValue(0);
  }

  @Test
  void fiftyCallsRefusedWithInvalidTokenShareOneRefresh(SpringAuthorizationServer server)
      throws Exception {
    RecordingListener listener = new RecordingListener();
    // No refresh ahead: the SDK sends the expired token, and Spring's resource server answers
    // 401 with WWW-Authenticate: Bearer error="invalid_token", ...
    Sdk sdk = signedIn(server, ClientAuthentication.CLIENT_SECRET_BASIC, listener, false);
    server.recorder().clear();

    server.clock().advance(PAST_EXPIRY);
    List<Integer> statuses =
        callConcurrently(List.of(sdk.client), server.protectedResource(), CALLS);

    assertThat(statuses).hasSize(CALLS).containsOnly(200);
    assertThat(server.recorder().refreshGrants()).extracting(Grant::status).containsExactly(200);
    assertThat(listener.awaitEvents(1))
        .extracting(RefreshEvent::trigger, RefreshEvent::status, RefreshEvent::outcome)
        .containsExactly(
            tuple(RefreshEvent.Trigger.EXPIRED_STATUS, 401, RefreshEvent.Outcome.REFRESHED));
    assertThat(listener.refreshed).hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(ClientAuthentication.class)
  void rotationIsKeptOverSeveralCycles(
      ClientAuthentication clientAuthentication, SpringAuthorizationServer server)
      throws Exception {
    RecordingListener listener = new RecordingListener();
    Sdk sdk = signedIn(server, clientAuthentication, listener, true);
    String signInRefreshToken = server.recorder().lastIssuedRefreshToken();
    server.recorder().clear();

    int cycles = 5;
    for (int i = 0; i < cycles; i++) {
      server.clock().advance(PAST_EXPIRY);
      assertThat(call(sdk.client, server.protectedResource())).isEqualTo(200);
    }
    String forced = sdk.auth.forceRefresh();
    assertThat(call(sdk.client, server.protectedResource())).isEqualTo(200);

    List<Grant> grants = server.recorder().refreshGrants();
    assertThat(grants).hasSize(cycles + 1).extracting(Grant::status).containsOnly(200);
    assertThat(grants)
        .extracting(Grant::clientAuthentication, Grant::refreshTokenInUrl)
        .containsOnly(tuple(clientAuthentication.name().toLowerCase(java.util.Locale.ROOT), false));
    // Each refresh presents exactly the token the previous answer issued: never a spent one.
    assertThat(RotationChain.presentedRefreshTokens(signInRefreshToken, grants))
        .containsExactlyElementsOf(RotationChain.unbroken(cycles + 1));
    assertThat(forced).isEqualTo(sdk.auth.accessToken());
    List<RefreshEvent> events = listener.awaitEvents(cycles + 1);
    assertThat(events)
        .extracting(RefreshEvent::outcome)
        .hasSize(cycles + 1)
        .containsOnly(RefreshEvent.Outcome.REFRESHED);
    assertThat(events.get(cycles).trigger()).isEqualTo(RefreshEvent.Trigger.FORCED);

    // The server would have refused any of them again.
    TokenResponse reuse = new OAuth2ByHand(server).refresh(signInRefreshToken);
    assertThat(reuse.status()).isEqualTo(400);
    assertThat(reuse.error()).isEqualTo("invalid_grant");
    assertThat(listener.expired).hasValue(0);
  }

  @ParameterizedTest
  @EnumSource(Revocation.class)
  void revokedAuthorizationEndsTheSessionOnce(
      Revocation revocation, SpringAuthorizationServer server) throws Exception {
    RecordingListener listener = new RecordingListener();
    Sdk sdk = signedIn(server, ClientAuthentication.CLIENT_SECRET_BASIC, listener, true);
    revoke(server, revocation, server.recorder().lastIssuedRefreshToken());
    server.recorder().clear();

    server.clock().advance(PAST_EXPIRY);
    List<Integer> statuses =
        callConcurrently(List.of(sdk.client), server.protectedResource(), CALLS);
    int afterwards = call(sdk.client, server.protectedResource());

    assertThat(statuses).hasSize(CALLS).containsOnly(401);
    assertThat(afterwards).isEqualTo(401);
    assertThat(server.recorder().refreshGrants())
        .extracting(Grant::status, Grant::error)
        .containsExactly(tuple(400, "invalid_grant"));
    assertThat(listener.awaitEvents(1))
        .extracting(RefreshEvent::outcome)
        .containsExactly(RefreshEvent.Outcome.REJECTED);
    assertThat(listener.expired).hasValue(1);
    assertThat(listener.refreshed).hasValue(0);
    assertThat(sdk.auth.accessToken()).isNull();
  }

  @Test
  void restartedAppRefreshesWithTheLastRotatedRefreshToken(
      SpringAuthorizationServer server, @TempDir Path dir) throws Exception {
    File file = dir.resolve("session.json").toFile();
    Consumer<TokenPairAuth.Builder> fileStore = b -> b.sessionStore(FileSessionStore.of(file));
    Sdk before =
        sdk(
            ClientAuthentication.CLIENT_SECRET_BASIC.protocol(server),
            new RecordingListener(),
            fileStore,
            server);
    signIn(before, server);
    String signInRefreshToken = server.recorder().lastIssuedRefreshToken();
    server.recorder().clear();
    for (int i = 0; i < 2; i++) {
      server.clock().advance(PAST_EXPIRY);
      assertThat(call(before.client, server.protectedResource())).isEqualTo(200);
    }

    RecordingListener listener = new RecordingListener();
    Sdk after =
        sdk(ClientAuthentication.CLIENT_SECRET_BASIC.protocol(server), listener, fileStore, server);
    server.clock().advance(PAST_EXPIRY);
    int status = call(after.client, server.protectedResource());

    assertThat(status).isEqualTo(200);
    List<Grant> grants = server.recorder().refreshGrants();
    assertThat(grants).extracting(Grant::status).containsExactly(200, 200, 200);
    assertThat(RotationChain.presentedRefreshTokens(signInRefreshToken, grants))
        .containsExactlyElementsOf(RotationChain.unbroken(3));
    assertThat(listener.awaitEvents(1))
        .extracting(RefreshEvent::outcome)
        .containsExactly(RefreshEvent.Outcome.REFRESHED);
  }

  @Test
  void twoProcessesSharingAFileStoreRefreshOnceAndAdoptTheRotation(
      SpringAuthorizationServer server, @TempDir Path dir) throws Exception {
    File file = dir.resolve("session.json").toFile();
    Consumer<TokenPairAuth.Builder> fileStore = b -> b.sessionStore(FileSessionStore.of(file));
    RecordingListener firstListener = new RecordingListener();
    RecordingListener secondListener = new RecordingListener();
    Sdk first =
        sdk(
            ClientAuthentication.CLIENT_SECRET_BASIC.protocol(server),
            firstListener,
            fileStore,
            server);
    Sdk second =
        sdk(
            ClientAuthentication.CLIENT_SECRET_BASIC.protocol(server),
            secondListener,
            fileStore,
            server);
    signIn(first, server);
    assertThat(call(second.client, server.protectedResource()))
        .isEqualTo(200); // the second reads the shared pair
    server.recorder().clear();

    server.clock().advance(PAST_EXPIRY);
    List<Integer> statuses =
        callConcurrently(List.of(first.client, second.client), server.protectedResource(), CALLS);

    assertThat(statuses).hasSize(CALLS).containsOnly(200);
    assertThat(server.recorder().refreshGrants()).extracting(Grant::status).containsExactly(200);
    List<RefreshEvent> events = new ArrayList<>(firstListener.awaitEvents(1));
    events.addAll(secondListener.awaitEvents(1));
    assertThat(events)
        .extracting(RefreshEvent::outcome)
        .containsExactlyInAnyOrder(RefreshEvent.Outcome.REFRESHED, RefreshEvent.Outcome.ADOPTED);
    assertThat(first.auth.accessToken()).isEqualTo(second.auth.accessToken());
    assertThat(firstListener.expired.get() + secondListener.expired.get()).isZero();
  }

  @Test
  void opaqueAccessTokensAreRefreshedAheadByTheirExpiresIn(SpringAuthorizationServer server)
      throws Exception {
    RecordingListener listener = new RecordingListener();
    OAuth2RefreshProtocol protocol =
        RefreshProtocol.oauth2(server.tokenEndpoint(), SpringAuthorizationServer.OPAQUE_CLIENT_ID)
            .withClientSecretBasic(SpringAuthorizationServer.OPAQUE_CLIENT_SECRET);
    Sdk sdk = sdk(protocol, listener, builder -> {}, server);
    TokenResponse pair =
        new OAuth2ByHand(
                server,
                SpringAuthorizationServer.OPAQUE_CLIENT_ID,
                SpringAuthorizationServer.OPAQUE_CLIENT_SECRET)
            .authorizationCodeGrant();
    assertThat(pair.accessToken().split("\\.")).as("parts of the access token").hasSize(1);
    sdk.auth.signIn(pair.accessToken(), pair.refreshToken());
    // signIn takes no expires_in, so an opaque token has no known expiry until a refresh answer.
    sdk.auth.forceRefresh();
    listener.awaitEvents(1);
    server.recorder().clear();

    // Only the SDK's reading of expires_in can tell: Spring checks opaque tokens by its real clock.
    server.clock().advance(PAST_EXPIRY);
    List<Integer> statuses =
        callConcurrently(List.of(sdk.client), server.opaqueProtectedResource(), CALLS);

    assertThat(statuses).hasSize(CALLS).containsOnly(200);
    assertThat(server.recorder().refreshGrants()).extracting(Grant::status).containsExactly(200);
    assertThat(listener.awaitEvents(1))
        .extracting(RefreshEvent::trigger, RefreshEvent::outcome)
        .containsExactly(
            tuple(RefreshEvent.Trigger.AHEAD_OF_EXPIRY, RefreshEvent.Outcome.REFRESHED));
  }

  @Test
  void wrongClientSecretFailsTheRefreshAndKeepsTheSession(SpringAuthorizationServer server)
      throws Exception {
    RecordingListener listener = new RecordingListener();
    OAuth2RefreshProtocol wrongSecret =
        RefreshProtocol.oauth2(server.tokenEndpoint(), SpringAuthorizationServer.CLIENT_ID)
            .withClientSecretBasic("not-" + SpringAuthorizationServer.CLIENT_SECRET);
    Sdk sdk = sdk(wrongSecret, listener, b -> b.refreshAhead(0, TimeUnit.SECONDS), server);
    signIn(sdk, server);
    String accessToken = sdk.auth.accessToken();
    server.recorder().clear();

    server.clock().advance(PAST_EXPIRY);
    int status = call(sdk.client, server.protectedResource());

    assertThat(status).isEqualTo(401); // the API's own answer
    assertThat(server.recorder().refreshGrants())
        .extracting(Grant::status, Grant::error)
        .containsExactly(tuple(401, "invalid_client"));
    RefreshEvent event = listener.awaitEvents(1).get(0);
    assertThat(event.outcome()).isEqualTo(RefreshEvent.Outcome.FAILED);
    assertThat(event.failure())
        .isInstanceOfSatisfying(
            AuthResponseException.class,
            e -> {
              assertThat(e.code()).isEqualTo(401);
              assertThat(e.error()).isEqualTo("invalid_client");
              assertThat(e.endsSession()).isFalse();
            });
    assertThat(listener.expired).hasValue(0);
    assertThat(sdk.auth.accessToken()).isEqualTo(accessToken);
  }

  private static Sdk signedIn(
      SpringAuthorizationServer server,
      ClientAuthentication clientAuthentication,
      RecordingListener listener,
      boolean refreshAhead)
      throws IOException {
    Sdk sdk =
        sdk(
            clientAuthentication.protocol(server),
            listener,
            builder -> {
              if (!refreshAhead) builder.refreshAhead(0, TimeUnit.SECONDS);
            },
            server);
    signIn(sdk, server);
    return sdk;
  }

  /** An SDK on the server's clock, API and token endpoint; {@code options} adds to its builder. */
  private static Sdk sdk(
      RefreshProtocol protocol,
      RecordingListener listener,
      Consumer<TokenPairAuth.Builder> options,
      SpringAuthorizationServer server) {
    TokenPairAuth.Builder builder =
        SdkClocks.builder(server.clock())
            .baseUrl(server.apiBaseUrl())
            .refreshProtocol(protocol)
            .listener(listener);
    options.accept(builder);
    return new Sdk(builder.build());
  }

  /** Signs {@code sdk} in with a pair from the authorization-code grant. */
  private static void signIn(Sdk sdk, SpringAuthorizationServer server) throws IOException {
    TokenResponse pair = new OAuth2ByHand(server).authorizationCodeGrant();
    assertThat(pair.status()).isEqualTo(200);
    sdk.auth.signIn(pair.accessToken(), pair.refreshToken());
  }

  private static void revoke(SpringAuthorizationServer server, Revocation how, String refreshToken)
      throws IOException {
    switch (how) {
      case REVOCATION_ENDPOINT ->
          assertThat(new OAuth2ByHand(server).revoke(refreshToken)).isEqualTo(200);
      case AUTHORIZATION_REMOVED -> {
        OAuth2Authorization authorization =
            server.authorizations().findByToken(refreshToken, OAuth2TokenType.REFRESH_TOKEN);
        assertThat(authorization).isNotNull();
        server.authorizations().remove(authorization);
      }
    }
  }
}
