package io.tokenpair.demo;

import com.sun.net.httpserver.HttpExchange;
import io.tokenpair.demo.DemoConfig.SecureCookie;
import java.time.Duration;

/**
 * Writes the {@code rt} cookie: {@code HttpOnly; SameSite=Strict; Path=/auth}, {@code Secure} per
 * {@code --secure-cookie}. It is cleared with the same attributes and {@code Max-Age=0}.
 */
final class RefreshCookie {
  static final String NAME = "rt";
  static final String PATH = "/auth";

  private final SecureCookie secure;

  RefreshCookie(SecureCookie secure) {
    this.secure = secure;
  }

  void set(HttpExchange ex, String token, Duration maxAge) {
    ex.getResponseHeaders().add("Set-Cookie", format(ex, token, Math.max(0, maxAge.toSeconds())));
  }

  void clear(HttpExchange ex) {
    ex.getResponseHeaders().add("Set-Cookie", format(ex, "", 0));
  }

  private String format(HttpExchange ex, String value, long maxAge) {
    var cookie =
        NAME + "=" + value + "; Path=" + PATH + "; HttpOnly; SameSite=Strict; Max-Age=" + maxAge;
    var isSecure =
        switch (secure) {
          case TRUE -> true;
          case FALSE -> false;
          case AUTO -> Http.isHttps(ex);
        };
    return isSecure ? cookie + "; Secure" : cookie;
  }
}
