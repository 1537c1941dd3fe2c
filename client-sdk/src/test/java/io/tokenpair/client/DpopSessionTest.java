package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.FormBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DPoP (RFC 9449) and revocation (RFC 7009) with {@link RefreshProtocol#oauth2}, against {@link
 * DpopServer}: every proof the SDK sends is verified by a server-side check that shares no code
 * with the SDK, and counts are exact.
 */
@Timeout(30)
final class DpopSessionTest {
  @StartStop public final MockWebServer idp = new MockWebServer();
  @StartStop public final MockWebServer api = new MockWebServer();
  @TempDir File folder;

  private final FakeClock clock = new FakeClock();
  private final RecordingListener listener = new RecordingListener();
  private final List<IOException> revocationFailures = new CopyOnWriteArrayList<>();
  private final ExecutorService callers = Executors.newCachedThreadPool();
  private DpopServer server;

  @AfterEach
  void tearDown() {
    callers.shutdownNow();
  }

  private DpopServer server() {
    if (server == null) server = new DpopServer(idp, api, clock);
    return server;
  }

  private TokenPairAuth.Builder builder() {
    DpopServer server = server();
    return TokenPairAuth.builder()
        .baseUrl(api.url("/"))
        .refreshProtocol(
            RefreshProtocol.oauth2(server.tokenEndpoint(), "my-app")
                .withRevocation(server.revocationEndpoint()))
        .refreshAhead(0, TimeUnit.SECONDS)
        .dpop()
        .listener(
            new SessionListener() {
              @Override
              public void onRefreshed(String accessToken) {
                listener.onRefreshed(accessToken);
              }

              @Override
              public void onSessionExpired() {
                listener.onSessionExpired();
              }

              @Override
              public void onStorageError(IOException error) {
                listener.onStorageError(error);
              }

              @Override
              public void onRefreshEvent(RefreshEvent event) {
                listener.onRefreshEvent(event);
              }

              @Override
              public void onRevocationFailed(IOException error) {
                revocationFailures.add(error);
              }
            })
        .clock(clock);
  }

  private Request passwordGrant() {
    return new Request.Builder()
        .url(server().tokenEndpoint())
        .post(
            new FormBody.Builder()
                .add("grant_type", "password")
                .add("username", "demo")
                .add("password", "demo-password")
                .add("client_id", "my-app")
                .build())
        .build();
  }

  private int call(OkHttpClient client) throws IOException {
    try (Response response =
        client.newCall(new Request.Builder().url(api.url("/api/me")).build()).execute()) {
      return response.code();
    }
  }

  /** Starts {@code calls} calls at once (a barrier) and returns their statuses. */
  private List<Integer> concurrently(OkHttpClient client, int calls) throws Exception {
    CyclicBarrier start = new CyclicBarrier(calls);
    List<Future<Integer>> results = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      results.add(
          callers.submit(
              () -> {
                start.await();
                return call(client);
              }));
    }
    List<Integer> statuses = new ArrayList<>();
    for (Future<Integer> result : results) statuses.add(result.get());
    return statuses;
  }

  @Test
  void stampedeOfFiftyCallsAfterExpiryMakesOneRefreshAndEveryProofVerifies() throws Exception {
    DpopServer server = server();
    TokenPairAuth auth = builder().build();
    OkHttpClient client =
        auth.install(new OkHttpClient.Builder())
            .dispatcher(new okhttp3.Dispatcher(callers))
            .build();
    auth.login(passwordGrant()); // A nonce challenge first: the login is sent again once.
    assertThat(server.logins.get()).isEqualTo(1);
    assertThat(server.idpNonceChallenges.get()).isEqualTo(1);
    assertThat(call(client)).isEqualTo(200); // The API's own nonce challenge, answered once.
    assertThat(server.apiNonceChallenges.get()).isEqualTo(1);

    server.expireAccessTokens();
    server.idpNonce = "idp-nonce-2"; // The refresh meets a nonce challenge too.
    int calls = 50;
    assertThat(concurrently(client, calls)).containsOnly(200).hasSize(calls);

    assertThat(server.refreshes.get()).isEqualTo(1);
    assertThat(server.proofFailures).isEmpty();
    assertThat(server.reuses.get()).isZero();
    assertThat(server.idpNonceChallenges.get()).isEqualTo(2); // The login's and the refresh's.
    assertThat(server.apiNonceChallenges.get()).isEqualTo(1); // The API's nonce did not change.
    assertThat(server.apiOk.get()).isEqualTo(1 + calls);
    assertThat(server.thumbprints).containsOnly(server.thumbprints.get(0));
    assertThat(listener.events).hasSize(1);
    RefreshEvent event = listener.events.get(0);
    assertThat(event.outcome()).isEqualTo(RefreshEvent.Outcome.REFRESHED);
    assertThat(event.dpopBound()).isTrue();
    assertThat(event.dpopNonceRetries()).isEqualTo(1);
    assertThat(listener.expired.get()).isZero();
  }

  @Test
  void nonceRotatedByTheServerMidRunIsAnsweredOncePerCallAndThenCarried() throws Exception {
    DpopServer server = server();
    TokenPairAuth auth = builder().build();
    OkHttpClient client =
        auth.install(new OkHttpClient.Builder())
            .dispatcher(new okhttp3.Dispatcher(callers))
            .build();
    auth.login(passwordGrant());
    assertThat(call(client)).isEqualTo(200);
    int challengesBefore = server.apiNonceChallenges.get();

    server.apiNonce = "api-nonce-2";
    assertThat(call(client)).isEqualTo(200); // Challenged once, sent again with the new nonce.
    assertThat(call(client)).isEqualTo(200); // Carries the new nonce: no challenge.
    assertThat(server.apiNonceChallenges.get()).isEqualTo(challengesBefore + 1);

    // Rotated while 20 calls are in flight: each is challenged at most once, none fails.
    server.apiNonce = "api-nonce-3";
    int calls = 20;
    assertThat(concurrently(client, calls)).containsOnly(200).hasSize(calls);
    assertThat(server.apiNonceChallenges.get() - challengesBefore - 1).isBetween(1, calls);
    assertThat(server.refreshes.get()).isZero(); // A nonce challenge is no expiry.
    assertThat(server.proofFailures).isEmpty();
  }

  @Test
  void aNonceChallengedRefreshNeverPresentsASpentToken() throws Exception {
    DpopServer server = server();
    TokenPairAuth auth = builder().build();
    auth.login(passwordGrant());
    for (int cycle = 2; cycle <= 6; cycle++) {
      server.idpNonce = "idp-nonce-" + cycle; // Every refresh meets a nonce challenge first.
      auth.forceRefresh();
    }
    assertThat(server.refreshes.get()).isEqualTo(5);
    assertThat(server.reuses.get()).isZero();
    // Each token was presented once past the nonce check: the challenged sends never reached it.
    assertThat(server.presented).doesNotHaveDuplicates().hasSize(5);
    assertThat(listener.events)
        .extracting(RefreshEvent::dpopNonceRetries)
        .containsExactly(1, 1, 1, 1, 1);

    // A server that challenges the retry too: one retry only, the refresh fails, nothing spent.
    server.alwaysChallengeAtTheTokenEndpoint = true;
    int before = idp.getRequestCount();
    assertThatThrownBy(auth::forceRefresh).isInstanceOf(AuthResponseException.class);
    assertThat(idp.getRequestCount() - before).isEqualTo(2);
    assertThat(auth.accessToken()).isNotNull(); // The session is kept.
    server.alwaysChallengeAtTheTokenEndpoint = false;
    auth.forceRefresh(); // The same refresh token, never spent, still works.
    assertThat(server.reuses.get()).isZero();
    assertThat(server.presented).doesNotHaveDuplicates();
    assertThat(server.proofFailures).isEmpty();
  }

  @Test
  void restartWithFileSessionStoreContinuesTheBoundSession() throws Exception {
    DpopServer server = server();
    File file = new File(folder, "session.json");
    TokenPairAuth first = builder().sessionStore(FileSessionStore.of(file)).build();
    OkHttpClient firstClient = first.install(new OkHttpClient.Builder()).build();
    first.login(passwordGrant());
    assertThat(call(firstClient)).isEqualTo(200);
    String thumbprint = server.thumbprints.get(0);
    assertThat(new String(Files.readAllBytes(file.toPath()), StandardCharsets.UTF_8))
        .contains("\"dpop_key\"");

    // A new process: the same file, the same key, the session goes on (refresh included).
    TokenPairAuth second = builder().sessionStore(FileSessionStore.of(file)).build();
    OkHttpClient secondClient = second.install(new OkHttpClient.Builder()).build();
    assertThat(call(secondClient)).isEqualTo(200);
    server.expireAccessTokens();
    assertThat(call(secondClient)).isEqualTo(200);
    assertThat(server.refreshes.get()).isEqualTo(1);
    assertThat(server.thumbprints).containsOnly(thumbprint);
    assertThat(server.proofFailures).isEmpty();
    assertThat(listener.storageErrors).isEmpty();

    // A new sign-in makes a new key.
    second.login(passwordGrant());
    assertThat(server.thumbprints.get(server.thumbprints.size() - 1)).isNotEqualTo(thumbprint);
  }

  @Test
  void logoutRevokesTheRefreshTokenOnceWithAProof() throws Exception {
    DpopServer server = server();
    TokenStore store = TokenStore.inMemory();
    TokenPairAuth auth = builder().tokenStore(store).build();
    auth.login(passwordGrant());
    String refreshToken = store.loadRefreshToken();
    assertThat(store.loadDpopKey()).isNotNull();

    auth.logout();
    assertThat(server.revocations.get()).isEqualTo(1);
    assertThat(server.refreshTokens).doesNotContainKey(refreshToken); // Revoked at the server.
    assertThat(store.loadRefreshToken()).isNull();
    assertThat(store.loadDpopKey()).isNull(); // The key went with the session.
    RecordedRequest revocation = null;
    for (int i = idp.getRequestCount(); i > 0; i--) {
      RecordedRequest request = idp.takeRequest();
      if (request.getUrl().encodedPath().equals("/revoke")) revocation = request;
    }
    assertThat(revocation.getBody().utf8())
        .isEqualTo("token=" + refreshToken + "&token_type_hint=refresh_token&client_id=my-app");
    assertThat(revocation.getHeaders().get("DPoP")).isNotNull();
    assertThat(server.proofFailures).isEmpty();

    auth.logout(); // Nothing left to revoke.
    assertThat(server.revocations.get()).isEqualTo(1);
    assertThat(revocationFailures).isEmpty();
  }

  @Test
  void revocationThatFailsThrowsAfterTheSessionEndedHereAndIsNotRetried() throws Exception {
    DpopServer server = server();
    TokenStore store = TokenStore.inMemory();
    TokenPairAuth auth = builder().tokenStore(store).build();
    auth.login(passwordGrant());
    server.revocationStatus = 503;

    assertThatThrownBy(auth::logout)
        .isInstanceOf(AuthResponseException.class)
        .hasMessageContaining("503");
    assertThat(auth.accessToken()).isNull();
    assertThat(store.loadRefreshToken()).isNull();
    assertThat(store.loadDpopKey()).isNull();
    assertThat(server.revocations.get()).isEqualTo(1);
    assertThat(revocationFailures).hasSize(1);
  }

  @Test
  void keyThatCannotBeLoadedEndsTheSessionOnce() throws Exception {
    DpopServer server = server();
    TokenStore memory = TokenStore.inMemory();
    TokenPairAuth signIn = builder().tokenStore(memory).build();
    signIn.login(passwordGrant());
    TokenStore keyless =
        new TokenStore() {
          @Override
          public String loadAccessToken() throws IOException {
            return memory.loadAccessToken();
          }

          @Override
          public void saveAccessToken(String accessToken) throws IOException {
            memory.saveAccessToken(accessToken);
          }

          @Override
          public String loadRefreshToken() throws IOException {
            return memory.loadRefreshToken();
          }

          @Override
          public void saveRefreshToken(String refreshToken) throws IOException {
            memory.saveRefreshToken(refreshToken);
          }

          @Override
          public boolean keepsRefreshTokens() {
            return true;
          }

          @Override
          public KeyPair loadDpopKey() throws IOException {
            throw new IOException("The keystore was wiped.");
          }

          @Override
          public void saveDpopKey(KeyPair keyPair) {}

          @Override
          public boolean keepsDpopKeys() {
            return true;
          }
        };
    TokenPairAuth restarted = builder().tokenStore(keyless).build();
    OkHttpClient client = restarted.install(new OkHttpClient.Builder()).build();
    assertThat(call(client)).isEqualTo(401);
    assertThat(call(client)).isEqualTo(401);
    assertThat(restarted.accessToken()).isNull();

    assertThat(listener.storageErrors).hasSize(1);
    assertThat(listener.storageErrors.get(0)).hasMessageContaining("DPoP key");
    assertThat(listener.expired.get()).isEqualTo(1);
    assertThat(memory.loadRefreshToken()).isNull();
    assertThat(server.refreshes.get()).isZero();
    assertThat(server.proofFailures).isEmpty();
  }

  @Test
  void appKeyThatCannotSignEndsTheSessionOnce() throws Exception {
    DpopServer server = server();
    KeyPair good = ecKeyPair();
    KeyPair broken = new KeyPair(good.getPublic(), rsaPrivateKey());
    TokenPairAuth auth = builder().dpop(good).build();
    auth.login(passwordGrant());
    String refreshToken = null;
    // The same session, as a restart with a keystore key that can no longer sign would see it.
    TokenStore store = TokenStore.inMemory();
    store.saveAccessToken(auth.accessToken());
    store.saveRefreshToken(refreshToken = server.refreshTokens.keySet().iterator().next());
    TokenPairAuth wiped = builder().dpop(broken).tokenStore(store).build();
    OkHttpClient client = wiped.install(new OkHttpClient.Builder()).build();

    assertThatThrownBy(() -> call(client))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot sign");
    assertThat(call(client)).isEqualTo(401); // Signed out: no proof, no loop.
    assertThat(listener.storageErrors).hasSize(1);
    assertThat(listener.expired.get()).isEqualTo(1);
    assertThat(store.loadRefreshToken()).isNull();
    assertThat(server.refreshTokens).containsKey(refreshToken); // Nothing was presented.
  }

  @Test
  void bearerTokenTypeStaysBearerWithoutAProof() throws Exception {
    api.enqueue(new mockwebserver3.MockResponse.Builder().body("ok").build());
    idp.enqueue(
        new mockwebserver3.MockResponse.Builder()
            .addHeader("Content-Type", "application/json")
            .body(
                "{\"access_token\":\"at-1\",\"token_type\":\"Bearer\",\"refresh_token\":\"rt-1\"}")
            .build());
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(api.url("/"))
            .refreshProtocol(RefreshProtocol.oauth2(idp.url("/token"), "my-app"))
            .dpop()
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(
        new Request.Builder()
            .url(idp.url("/token"))
            .post(FormBody.create(new byte[0], null))
            .build());
    assertThat(idp.takeRequest().getHeaders().get("DPoP")).isNotNull(); // The login had a proof.
    assertThat(call(client)).isEqualTo(200);
    RecordedRequest sent = api.takeRequest();
    assertThat(sent.getHeaders().get("Authorization")).isEqualTo("Bearer at-1");
    assertThat(sent.getHeaders().get("DPoP")).isNull();
  }

  @Test
  void dpopTokenTypeIsRefusedWhenDpopIsOff() throws Exception {
    idp.enqueue(
        new mockwebserver3.MockResponse.Builder()
            .addHeader("Content-Type", "application/json")
            .body("{\"access_token\":\"at-1\",\"token_type\":\"DPoP\",\"refresh_token\":\"rt-1\"}")
            .build());
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(api.url("/"))
            .refreshProtocol(RefreshProtocol.oauth2(idp.url("/token"), "my-app"))
            .build();
    assertThatThrownBy(
            () ->
                auth.login(
                    new Request.Builder()
                        .url(idp.url("/token"))
                        .post(FormBody.create(new byte[0], null))
                        .build()))
        .isInstanceOf(AuthResponseException.class)
        .hasMessageContaining("DPoP");
    assertThat(auth.accessToken()).isNull();
  }

  @Test
  void buildRefusesDpopWithAStoreThatKeepsNoKeys() {
    TokenStore noKeys =
        new TokenStore() {
          @Override
          public String loadAccessToken() {
            return null;
          }

          @Override
          public void saveAccessToken(String accessToken) {}

          @Override
          public void saveRefreshToken(String refreshToken) {}

          @Override
          public boolean keepsRefreshTokens() {
            return true;
          }
        };
    assertThatThrownBy(() -> builder().tokenStore(noKeys).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("keepsDpopKeys");
  }

  static KeyPair ecKeyPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static java.security.PrivateKey rsaPrivateKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair().getPrivate();
  }
}
