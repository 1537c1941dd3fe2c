package io.tokenpair.shrinktest.sdk;

import io.tokenpair.client.FileSessionStore;
import io.tokenpair.client.RefreshEvent;
import io.tokenpair.client.RefreshProtocol;
import io.tokenpair.client.SessionListener;
import io.tokenpair.client.TokenPairAuth;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A small app that uses client-sdk the way an Android app would, shrunk by R8 in shrink-test. It
 * runs against a tokenpair test server on loopback whose {@code POST /test/expire} expires every
 * access token, prints one line per step, and exits 1 at the first step that does not behave.
 */
public final class SdkApp {
  private SdkApp() {}

  /**
   * Runs the steps.
   *
   * @param args the server's base URL and a folder for the session files.
   * @throws IOException if a call fails.
   */
  public static void main(String[] args) throws IOException {
    HttpUrl base = HttpUrl.get(args[0]);
    File folder = new File(args[1]);
    try {
      cookieProtocol(base, new File(folder, "session.json"));
      oauth2Protocol(base, new File(folder, "oauth2.json"));
    } catch (IllegalStateException e) {
      System.out.println("FAILED: " + e.getMessage());
      System.exit(1);
    }
    System.out.println("all steps passed");
  }

  private static void cookieProtocol(HttpUrl base, File file) throws IOException {
    Events events = new Events();
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(base)
            .sessionStore(FileSessionStore.of(file))
            .listener(events)
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    String first =
        auth.login(post(base.resolve("/auth/login"), json("demo", "demo-password"), JSON));
    check("login", first != null && first.equals(auth.accessToken()));
    check("GET /api/me", get(client, base.resolve("/api/me")).contains("\"username\":\"demo\""));

    expire(client, base);
    check("GET /api/me after expiry", get(client, base.resolve("/api/me")).contains("demo"));
    check("silent refresh", !first.equals(auth.accessToken()));
    check("listener", events.await(1).equals(Arrays.asList("EXPIRED_STATUS REFRESHED")));

    String forced = auth.forceRefresh();
    check("forceRefresh", !forced.equals(first) && forced.equals(auth.accessToken()));
    check(
        "listener after forceRefresh",
        events.await(2).equals(Arrays.asList("EXPIRED_STATUS REFRESHED", "FORCED REFRESHED")));

    TokenPairAuth restarted =
        TokenPairAuth.builder().baseUrl(base).sessionStore(FileSessionStore.of(file)).build();
    check("FileSessionStore restart", forced.equals(restarted.accessToken()));
    restarted.logout();
    check("logout", restarted.accessToken() == null);
  }

  private static void oauth2Protocol(HttpUrl base, File file) throws IOException {
    Events events = new Events();
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(base)
            .refreshProtocol(RefreshProtocol.oauth2(base.resolve("/oauth/token"), "tokenpair-demo"))
            .sessionStore(FileSessionStore.of(file))
            .listener(events)
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    String form =
        "grant_type=password&username=demo&password=demo-password&client_id=tokenpair-demo";
    String first = auth.login(post(base.resolve("/oauth/token"), form, FORM));
    String refreshToken = FileSessionStore.of(file).loadRefreshToken();
    check("oauth2 login", first != null && refreshToken != null);

    expire(client, base);
    check("oauth2 GET /api/me after expiry", get(client, base.resolve("/api/me")).contains("demo"));
    String rotated = FileSessionStore.of(file).loadRefreshToken();
    check(
        "oauth2 refresh token rotated and stored",
        rotated != null && !rotated.equals(refreshToken));
    check("oauth2 listener", events.await(1).equals(Arrays.asList("EXPIRED_STATUS REFRESHED")));
  }

  private static final MediaType JSON = MediaType.get("application/json");
  private static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded");

  private static Request post(HttpUrl url, String body, MediaType type) {
    return new Request.Builder().url(url).post(RequestBody.create(body, type)).build();
  }

  private static String json(String username, String password) {
    return "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}";
  }

  private static void expire(OkHttpClient client, HttpUrl base) throws IOException {
    Request expire = TokenPairAuth.withoutAuth(post(base.resolve("/test/expire"), "", JSON));
    try (Response response = client.newCall(expire).execute()) {
      check("POST /test/expire", response.code() == 204);
    }
  }

  private static String get(OkHttpClient client, HttpUrl url) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
      check("GET " + url.encodedPath() + " status " + response.code(), response.code() == 200);
      return response.body().string();
    }
  }

  private static void check(String step, boolean passed) {
    if (!passed) throw new IllegalStateException(step);
    System.out.println("ok: " + step);
  }

  /** Records the listener's events as lines; they arrive on the SDK's refresh thread. */
  private static final class Events implements SessionListener {
    private final List<String> lines = new ArrayList<>(); // Guarded by this.

    @Override
    public synchronized void onRefreshEvent(RefreshEvent event) {
      lines.add(event.trigger() + " " + event.outcome());
      notifyAll();
    }

    @Override
    public synchronized void onSessionExpired() {
      lines.add("expired");
      notifyAll();
    }

    @Override
    public synchronized void onStorageError(IOException error) {
      lines.add("storage error: " + error.getMessage());
      notifyAll();
    }

    /** Returns the lines once there are at least {@code count}, or after 10 s. */
    synchronized List<String> await(int count) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      try {
        for (long left; lines.size() < count && (left = deadline - System.nanoTime()) > 0; ) {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new ArrayList<>(lines);
    }
  }
}
