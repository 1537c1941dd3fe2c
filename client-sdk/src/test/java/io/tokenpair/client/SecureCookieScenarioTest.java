package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The API over https, and an attacker who answers one cleartext request to the same host (RFC
 * 6265bis section 5.7): the {@code Secure} refresh cookie stays. Public API only.
 */
@Timeout(10)
final class SecureCookieScenarioTest {
  private static final HeldCertificate LOCALHOST =
      new HeldCertificate.Builder()
          .addSubjectAlternativeName("localhost")
          .addSubjectAlternativeName("127.0.0.1")
          .build();
  private static final HandshakeCertificates CLIENT =
      new HandshakeCertificates.Builder().addTrustedCertificate(LOCALHOST.certificate()).build();

  @StartStop public final MockWebServer api = https();
  @StartStop public final MockWebServer cleartext = new MockWebServer();

  private final RecordingListener listener = new RecordingListener();

  private static MockWebServer https() {
    MockWebServer server = new MockWebServer();
    HandshakeCertificates certificates =
        new HandshakeCertificates.Builder().heldCertificate(LOCALHOST).build();
    server.useHttps(certificates.sslSocketFactory());
    return server;
  }

  private static int status(OkHttpClient client, HttpUrl url) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return response.code();
    }
  }

  @Test
  void cleartextAnswerFromTheApiHostCannotReplaceTheSecureRefreshCookie() throws IOException {
    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    api.setDispatcher(tokens);
    cleartext.enqueue(
        new MockResponse.Builder()
            .addHeader("Set-Cookie", "rt=attacker; Path=/auth; HttpOnly; Max-Age=600")
            .build());
    TokenPairAuth auth = TokenPairAuth.builder().baseUrl(api.url("/")).listener(listener).build();
    OkHttpClient client =
        auth.install(
                new OkHttpClient.Builder()
                    .sslSocketFactory(CLIENT.sslSocketFactory(), CLIENT.trustManager()))
            .build();
    auth.login(DemoLogin.request(api)); // rt=...; Secure, over https.
    assertThat(cleartext.url("/").host()).isEqualTo(api.url("/").host());

    assertThat(status(client, cleartext.url("/news"))).isEqualTo(200);
    tokens.expireAccessTokens();
    assertThat(status(client, api.url("/api/me"))).isEqualTo(200);

    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0);
    assertThat(listener.expired).hasValue(0);
  }
}
