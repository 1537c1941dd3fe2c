package io.tokenpair.client;

import mockwebserver3.MockWebServer;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;

/** Test helper: the login request of TokenServerDispatcher's default user. */
public final class DemoLogin {
  private DemoLogin() {}

  /** Returns a POST of {@code demo} / {@code demo-password} to {@code server}'s /auth/login. */
  public static Request request(MockWebServer server) {
    return new Request.Builder()
        .url(server.url("/auth/login"))
        .post(
            RequestBody.create(
                "{\"username\":\"demo\",\"password\":\"demo-password\"}",
                MediaType.get("application/json")))
        .build();
  }

  /**
   * Returns the password grant of {@code demo} / {@code demo-password} at {@code server}'s
   * /oauth/token, for the public client {@code tokenpair-demo} (the dispatcher's {@code
   * passwordGrant()} must be on).
   */
  public static Request passwordGrant(MockWebServer server) {
    return new Request.Builder()
        .url(server.url("/oauth/token"))
        .post(
            new okhttp3.FormBody.Builder()
                .add("grant_type", "password")
                .add("username", "demo")
                .add("password", "demo-password")
                .add("client_id", "tokenpair-demo")
                .build())
        .build();
  }
}
