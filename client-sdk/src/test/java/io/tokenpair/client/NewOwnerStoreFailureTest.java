package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
 * A new owner's pair is kept whole or not at all: a store that fails during login or sign-in leaves
 * the session signed out, never one owner's refresh credential beside another's access token.
 */
@Timeout(10)
final class NewOwnerStoreFailureTest {
  @StartStop public final MockWebServer server = new MockWebServer();

  private final TokenServerDispatcher tokens = TokenServerDispatcher.create();
  private final RecordingListener listener = new RecordingListener();

  /** A token store that keeps refresh tokens and can be told to fail their writes. */
  private static final class FailingTokenStore implements TokenStore {
    private final TokenStore delegate = TokenStore.inMemory();
    volatile boolean fail;

    @Override
    public boolean keepsRefreshTokens() {
      return true;
    }

    @Override
    public String loadAccessToken() throws IOException {
      return delegate.loadAccessToken();
    }

    @Override
    public void saveAccessToken(String accessToken) throws IOException {
      delegate.saveAccessToken(accessToken);
    }

    @Override
    public String loadRefreshToken() throws IOException {
      return delegate.loadRefreshToken();
    }

    @Override
    public void saveRefreshToken(String refreshToken) throws IOException {
      if (fail) throw new IOException("disk full");
      delegate.saveRefreshToken(refreshToken);
    }
  }

  @Test
  void signInWhoseRefreshTokenCannotBeSavedLeavesNoMixedPair() throws Exception {
    server.setDispatcher(tokens);
    FailingTokenStore store = new FailingTokenStore();
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .refreshProtocol(RefreshProtocol.oauth2(server.url("/oauth/token"), "tokenpair-demo"))
            .tokenStore(store)
            .listener(listener)
            .build();
    auth.signIn("first-owners-access", "first-owners-refresh");
    store.fail = true;

    assertThatThrownBy(() -> auth.signIn("second-owners-access", "second-owners-refresh"))
        .isInstanceOf(IOException.class)
        .hasMessage("disk full");

    assertThat(auth.accessToken()).isNull(); // Not the first owner's token with the second's.
    assertThatThrownBy(auth::forceRefresh).hasMessage("The token refresh failed.");
    assertThat(tokens.refreshCount()).isEqualTo(0);
    assertThat(listener.storageErrors).isNotEmpty();
  }

  @Test
  void loginWhoseCookieCannotBeSavedLeavesNoSessionBehind() throws Exception {
    server.setDispatcher(tokens);
    CookieStore failing =
        new CookieStore() {
          @Override
          public List<Cookie> loadCookies() {
            return java.util.Collections.emptyList();
          }

          @Override
          public void saveCookies(List<Cookie> cookies) throws IOException {
            throw new IOException("disk full");
          }
        };
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .cookieStore(failing)
            .listener(listener)
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();

    assertThatThrownBy(() -> auth.login(DemoLogin.request(server)))
        .isInstanceOf(IOException.class)
        .hasMessage("disk full");

    assertThat(auth.accessToken()).isNull();
    try (Response response =
        client.newCall(new Request.Builder().url(server.url("/api/me")).build()).execute()) {
      assertThat(response.code()).isEqualTo(401); // Signed out: nothing refreshes it.
    }
    assertThat(tokens.refreshCount()).isEqualTo(0);
  }
}
