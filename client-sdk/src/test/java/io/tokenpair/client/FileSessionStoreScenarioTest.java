package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileSessionStore} as a shared session store, through the public API only. */
@Timeout(10)
final class FileSessionStoreScenarioTest {
  @StartStop public final MockWebServer server = new MockWebServer();
  @TempDir File folder;

  private final RecordingListener listener = new RecordingListener();

  private int status(OkHttpClient client, String path) throws IOException {
    try (Response response =
        client.newCall(new Request.Builder().url(server.url(path)).build()).execute()) {
      return response.code();
    }
  }

  @Test
  void sessionCookiesOutliveEveryRefreshThroughTheFile() throws IOException {
    SessionCookieServer api = new SessionCookieServer();
    server.setDispatcher(api);
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .sessionStore(FileSessionStore.of(new File(folder, "session.json")))
            .listener(listener)
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.login(
        new Request.Builder()
            .url(server.url("/auth/login"))
            .post(RequestBody.create("{}", MediaType.get("application/json")))
            .build());

    api.expireAccessToken();
    assertThat(status(client, "/api/a")).isEqualTo(200);
    api.expireAccessToken();
    assertThat(status(client, "/api/b")).isEqualTo(200);

    assertThat(api.refreshes()).isEqualTo(2);
    assertThat(api.refusedRefreshes()).isEqualTo(0);
    assertThat(listener.expired).hasValue(0);
    assertThat(api.apiCookies()).containsExactly("csrf=c1", "csrf=c1", "csrf=c1", "csrf=c1");
  }
}
