package io.tokenpair.androidtest;

import mockwebserver3.MockWebServer;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;

/** The login request of TokenServerDispatcher's default user. */
final class DemoLogin {
  private DemoLogin() {}

  /** Returns a POST of {@code demo} / {@code demo-password} to {@code server}'s /auth/login. */
  static Request request(MockWebServer server) {
    return new Request.Builder()
        .url(server.url("/auth/login"))
        .post(
            RequestBody.create(
                "{\"username\":\"demo\",\"password\":\"demo-password\"}",
                MediaType.get("application/json")))
        .build();
  }
}
