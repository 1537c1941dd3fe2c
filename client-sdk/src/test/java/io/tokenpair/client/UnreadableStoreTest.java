package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import java.util.List;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.Cookie;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A store that cannot give back the session it held (a keystore key gone, a corrupt record) ends
 * that session once: a storage error, then the end of the session, never a loop. A refresh
 * credential that is still readable carries the session on instead.
 */
@Timeout(10)
final class UnreadableStoreTest {
  @StartStop public final MockWebServer server = new MockWebServer();

  private final TokenServerDispatcher tokens = TokenServerDispatcher.create();
  private final RecordingListener listener = new RecordingListener();

  /**
   * A session store whose access token cannot be read; its cookies are what {@code cookies} are.
   */
  private static final class UnreadableTokenStore implements SessionStore {
    private final CookieStore cookies;

    UnreadableTokenStore(CookieStore cookies) {
      this.cookies = cookies;
    }

    @Override
    public String loadAccessToken() throws IOException {
      throw new IOException("The record cannot be opened.");
    }

    @Override
    public void saveAccessToken(String accessToken) {}

    @Override
    public List<Cookie> loadCookies() throws IOException {
      return cookies.loadCookies();
    }

    @Override
    public void saveCookies(List<Cookie> saved) throws IOException {
      cookies.saveCookies(saved);
    }

    @Override
    public java.io.Closeable lock() {
      return () -> {};
    }
  }

  private TokenPairAuth auth(SessionStore store) {
    server.setDispatcher(tokens);
    return TokenPairAuth.builder()
        .baseUrl(server.url("/"))
        .tokenStore(store) // Not shared: a shared store is read again at every refresh.
        .cookieStore(store)
        .listener(listener)
        .build();
  }

  private int call(TokenPairAuth auth) throws IOException {
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    try (Response response =
        client.newCall(new Request.Builder().url(server.url("/api/me")).build()).execute()) {
      return response.code();
    }
  }

  @Test
  void storeThatLostTheSessionEndsItOnce() throws IOException {
    TokenPairAuth auth = auth(new UnreadableTokenStore(CookieStore.inMemory()));

    assertThat(call(auth)).isEqualTo(401);
    assertThat(call(auth)).isEqualTo(401);
    assertThat(auth.accessToken()).isNull();

    assertThat(listener.storageErrors).hasSize(1);
    assertThat(listener.expired).hasValue(1);
    assertThat(tokens.refreshCount()).isEqualTo(0);
  }

  @Test
  void readableRefreshCookieCarriesTheSessionOn() throws IOException {
    CookieStore cookies = CookieStore.inMemory();
    server.setDispatcher(tokens);
    TokenPairAuth.builder()
        .baseUrl(server.url("/"))
        .cookieStore(cookies)
        .build()
        .login(DemoLogin.request(server));

    TokenPairAuth auth = auth(new UnreadableTokenStore(cookies));
    assertThat(call(auth)).isEqualTo(200); // Refreshed with the cookie before the first call.

    assertThat(listener.storageErrors).hasSize(1);
    assertThat(listener.expired).hasValue(0);
    assertThat(tokens.refreshCount()).isEqualTo(1);
  }
}
