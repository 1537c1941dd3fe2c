package io.tokenpair.client.android;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.client.DemoLogin;
import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.Cookie;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

final class PreferencesSessionStoreTest {
  @StartStop public final MockWebServer server = new MockWebServer();

  private final MapPreferences preferences = new MapPreferences();

  @Test
  void cookiesRoundTripThroughTheirSetCookieForm() throws IOException {
    HttpUrl url = HttpUrl.get("https://api.example.com/auth/refresh");
    Cookie hostOnly =
        Cookie.parse(url, "rt=r1; Path=/auth; HttpOnly; Secure; SameSite=Strict; Max-Age=600");
    Cookie domain = Cookie.parse(url, "pref=p; Domain=example.com; Path=/; Max-Age=600");
    PreferencesSessionStore store = new PreferencesSessionStore(preferences);
    store.saveCookies(Arrays.asList(hostOnly, domain, Cookie.parse(url, "session=s")));

    assertThat(new PreferencesSessionStore(preferences).loadCookies())
        .extracting(
            Cookie::name,
            Cookie::domain,
            Cookie::hostOnly,
            Cookie::secure,
            Cookie::httpOnly,
            Cookie::persistent)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("rt", "api.example.com", true, true, true, true),
            org.assertj.core.groups.Tuple.tuple("pref", "example.com", false, false, false, true),
            org.assertj.core.groups.Tuple.tuple(
                "session", "api.example.com", true, false, false, false));
  }

  @Test
  void refreshTokenRoundTripsAndIsAcceptedForOAuth2() throws IOException {
    PreferencesSessionStore store = new PreferencesSessionStore(preferences);
    store.saveRefreshToken("rt-1");
    assertThat(new PreferencesSessionStore(preferences).loadRefreshToken()).isEqualTo("rt-1");
    store.saveRefreshToken(null);
    assertThat(store.loadRefreshToken()).isNull();
    // A store that keeps refresh tokens is accepted with a body-token protocol.
    io.tokenpair.client.TokenPairAuth.builder()
        .baseUrl("https://api.example.com/")
        .refreshProtocol(
            io.tokenpair.client.RefreshProtocol.oauth2(
                HttpUrl.get("https://idp.example.com/token"), "app"))
        .tokenStore(store)
        .cookieStore(store)
        .build();
  }

  @Test
  void appRestartResumesTheSessionFromPreferences() throws IOException {
    TokenServerDispatcher tokens = TokenServerDispatcher.create();
    server.setDispatcher(tokens);
    PreferencesSessionStore store = new PreferencesSessionStore(preferences);
    TokenPairAuth.builder()
        .baseUrl(server.url("/"))
        .tokenStore(store)
        .cookieStore(store)
        .build()
        .login(DemoLogin.request(server));
    tokens.expireAccessTokens();

    PreferencesSessionStore reopened = new PreferencesSessionStore(preferences);
    TokenPairAuth restarted =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .tokenStore(reopened)
            .cookieStore(reopened)
            .build();
    OkHttpClient client = restarted.install(new OkHttpClient.Builder()).build();
    try (Response response =
        client.newCall(new Request.Builder().url(server.url("/api/me")).build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(preferences.values.get("access_token")).isEqualTo(restarted.accessToken());
  }

  /**
   * Preferences in a map, committing synchronously like {@code SharedPreferences.Editor.commit()}.
   */
  static final class MapPreferences implements PreferencesSessionStore.Preferences {
    final Map<String, String> values = new HashMap<>();

    @Override
    public synchronized String getString(String key, String defValue) {
      return values.containsKey(key) ? values.get(key) : defValue;
    }

    @Override
    public Editor edit() {
      Map<String, String> changes = new HashMap<>();
      return new Editor() {
        @Override
        public Editor putString(String key, String value) {
          changes.put(key, value);
          return this;
        }

        @Override
        public Editor remove(String key) {
          changes.put(key, null);
          return this;
        }

        @Override
        public boolean commit() {
          synchronized (MapPreferences.this) {
            for (Map.Entry<String, String> change : changes.entrySet()) {
              if (change.getValue() == null) {
                values.remove(change.getKey());
              } else {
                values.put(change.getKey(), change.getValue());
              }
            }
          }
          return true;
        }
      };
    }
  }
}
