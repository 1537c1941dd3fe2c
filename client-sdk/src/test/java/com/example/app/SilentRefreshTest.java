package com.example.app;

// The README's first test-double example, a complete test class of an app (public API only).
// snippet:test-double
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class SilentRefreshTest {
  @StartStop public final MockWebServer server = new MockWebServer();
  private final TokenServerDispatcher tokens = TokenServerDispatcher.builder()
      .user("demo", "demo-password")              // the default
      .expiredStatus(419)                         // default 401
      .accessTokenLifetime(15, TimeUnit.MINUTES)  // JWTs with exp; .opaqueAccessTokens() for opaque ones
      .rotationGrace(10, TimeUnit.SECONDS)        // default 0, as the demo server's --rotation-grace
      .build();

  @Test void refreshesSilently() throws IOException {
    server.setDispatcher(tokens);
    TokenPairAuth auth = TokenPairAuth.builder().baseUrl(server.url("/")).build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(new Request.Builder()              // the dispatcher's login: POST /auth/login, JSON credentials
        .url(server.url("/auth/login"))
        .post(RequestBody.create("{\"username\":\"demo\",\"password\":\"demo-password\"}",
            MediaType.get("application/json")))
        .build());

    tokens.expireAccessTokens();                  // every access token issued so far is now expired
    Request me = new Request.Builder().url(server.url("/api/me")).build();
    try (Response response = client.newCall(me).execute()) {
      assertEquals(200, response.code());         // after 419, one refresh and a replay
    }
    assertEquals(1, tokens.refreshCount());
    assertEquals(1, tokens.expiredCount());
  }
}
// end snippet
