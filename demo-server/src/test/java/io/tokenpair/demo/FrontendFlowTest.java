package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.demo.DemoConfig.CaptchaMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Cookie;
import okhttp3.CookieJar;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Plays the original axios frontend against the server: login with credentials, a 401 on an expired
 * access token, a silent refresh carried by the cookie alone ({@code withCredentials}, no body, no
 * Authorization), the retried call with {@code 'bearer ' + newToken}, then logout.
 */
class FrontendFlowTest {
  /** A browser-like cookie jar: keeps cookies by the server's attributes, drops expired ones. */
  static final class BrowserJar implements CookieJar {
    final List<Cookie> cookies = new ArrayList<>();

    @Override
    public synchronized void saveFromResponse(HttpUrl url, List<Cookie> received) {
      for (var cookie : received) {
        cookies.removeIf(c -> c.name().equals(cookie.name()) && c.path().equals(cookie.path()));
        if (cookie.expiresAt() > System.currentTimeMillis()) cookies.add(cookie);
      }
    }

    @Override
    public synchronized List<Cookie> loadForRequest(HttpUrl url) {
      return cookies.stream().filter(c -> c.matches(url)).toList();
    }
  }

  private final BrowserJar jar = new BrowserJar();
  private Harness harness = new Harness(b -> b.captcha(CaptchaMode.REVEAL));
  private final OkHttpClient browser = harness.client.newBuilder().cookieJar(jar).build();

  @AfterEach
  void stop() {
    harness.close();
  }

  private Harness.Answer call(Request request) {
    try (var response = browser.newCall(request).execute()) {
      return new Harness.Answer(response, response.body().string());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Harness.Answer me(String token) {
    return call(harness.request("/api/me").header("Authorization", "bearer " + token).build());
  }

  @Test
  void loginSilentRefreshOnExpiryAndLogoutWork() {
    // login form: captcha, then credentials
    var captcha = call(harness.request("/auth/captcha").build()).json().get("data");
    var login =
        call(
            harness
                .request("/auth/login")
                .post(
                    RequestBody.create(
                        "{\"username\":\"demo\",\"password\":\"demo-password\",\"captcha_id\":\""
                            + captcha.get("captcha_id").asText()
                            + "\",\"captcha\":\""
                            + captcha.get("answer").asText()
                            + "\"}",
                        Harness.JSON))
                .build());
    assertThat(login.code()).isEqualTo(200);
    assertThat(jar.cookies)
        .extracting(Cookie::name, Cookie::path, Cookie::httpOnly)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("rt", "/auth", true));
    var token = login.json().at("/data/access_token").asText();
    assertThat(me(token).code()).isEqualTo(200);

    // the cookie never goes to /api
    assertThat(jar.loadForRequest(HttpUrl.get(harness.url("/api/me")))).isEmpty();

    // the access token expires: 401, and the interceptor refreshes with the cookie alone
    harness.clock.advance(Duration.ofMinutes(16));
    var expired = me(token);
    assertThat(expired.code()).isEqualTo(401);
    var refresh =
        call(harness.request("/auth/refresh").post(RequestBody.create(new byte[0])).build());
    assertThat(refresh.code()).isEqualTo(200);
    var newToken = refresh.json().at("/data/access_token").asText();
    assertThat(newToken).isNotEqualTo(token);
    var retried = me(newToken);
    assertThat(retried.code()).isEqualTo(200);
    assertThat(retried.json().at("/data/username").asText()).isEqualTo("demo");

    // logout: the cookie is gone, the access token dies at once, a refresh is a 401
    var logout =
        call(harness.request("/auth/logout").post(RequestBody.create(new byte[0])).build());
    assertThat(logout.code()).isEqualTo(204);
    assertThat(jar.cookies).isEmpty();
    assertThat(me(newToken).code()).isEqualTo(401);
    var after =
        call(harness.request("/auth/refresh").post(RequestBody.create(new byte[0])).build());
    assertThat(after.code()).isEqualTo(401);
    assertThat(harness.server.metrics().refreshCount("ok")).isEqualTo(1);
  }

  @Test
  void expiredStatus419StillTriggersTheFrontendsRefresh() {
    harness.close();
    harness = new Harness(b -> b.expiredStatus(419));
    var login = harness.login();
    harness.clock.advance(Duration.ofMinutes(16));
    var expired = harness.getWithBearer("/api/me", login.accessToken());
    assertThat(expired.code()).isEqualTo(419); // the frontend refreshes on 401 or 419
    var fresh = harness.refreshPair(login.refreshToken());
    assertThat(harness.getWithBearer("/api/me", fresh.accessToken()).code()).isEqualTo(200);
  }
}
