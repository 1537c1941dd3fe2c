package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each network attempt of a DPoP call carries its own proof: a redirect on the API's origin is
 * proved for where it goes, with a new jti, and a redirect elsewhere carries none. Against the
 * published test dispatcher, which checks htu and refuses a replayed jti.
 */
@Timeout(10)
final class DpopAttemptTest {
  @StartStop public final MockWebServer server = new MockWebServer();
  @StartStop public final MockWebServer elsewhere = new MockWebServer();

  private final TokenServerDispatcher tokens =
      TokenServerDispatcher.builder().passwordGrant().dpop().build();

  private OkHttpClient signedIn() throws IOException {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            String path = request.getUrl().encodedPath();
            if (path.equals("/api/moved")) { // As a server adding a trailing slash would.
              return new MockResponse.Builder()
                  .code(307)
                  .addHeader("Location", "/api/moved/")
                  .build();
            }
            if (path.equals("/api/away")) {
              return new MockResponse.Builder()
                  .code(307)
                  .addHeader("Location", elsewhere.url("/landing"))
                  .build();
            }
            return tokens.dispatch(request);
          }
        });
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .refreshProtocol(RefreshProtocol.oauth2(server.url("/oauth/token"), "tokenpair-demo"))
            .dpop()
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(DemoLogin.passwordGrant(server));
    return client;
  }

  private static int status(OkHttpClient client, Request request) throws IOException {
    try (Response response = client.newCall(request).execute()) {
      return response.code();
    }
  }

  @Test
  void redirectOnTheApisOriginIsProvedForWhereItGoes() throws Exception {
    OkHttpClient client = signedIn();

    assertThat(status(client, new Request.Builder().url(server.url("/api/moved")).build()))
        .isEqualTo(200);
    assertThat(tokens.dpopProofFailures()).isEqualTo(0);
  }

  @Test
  void redirectToAnotherOriginCarriesNoProof() throws Exception {
    OkHttpClient client = signedIn();
    elsewhere.enqueue(new MockResponse.Builder().body("landing").build());

    assertThat(status(client, new Request.Builder().url(server.url("/api/away")).build()))
        .isEqualTo(200);
    RecordedRequest landed = elsewhere.takeRequest();
    assertThat(landed.getHeaders().get("Authorization")).isNull();
    assertThat(landed.getHeaders().get("DPoP")).isNull();
  }
}
