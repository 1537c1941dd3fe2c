package io.tokenpair.demo;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.List;

/** {@code /api/*}: demo resources behind a Bearer access token. */
final class ApiEndpoints {
  private final BearerAuth bearer;

  ApiEndpoints(BearerAuth bearer) {
    this.bearer = bearer;
  }

  void me(HttpExchange ex) throws IOException {
    var principal = bearer.authenticate(ex);
    Http.sendJson(
        ex,
        200,
        Http.success(Http.object("id", principal.subject(), "username", principal.username())));
  }

  void notes(HttpExchange ex) throws IOException {
    var principal = bearer.authenticate(ex);
    var items =
        List.of(
            Http.object("id", 1, "title", "Welcome, " + principal.username()),
            Http.object(
                "id", 2, "title", "Access tokens are short-lived; the rt cookie renews them."));
    Http.sendJson(ex, 200, Http.success(Http.object("items", items)));
  }
}
