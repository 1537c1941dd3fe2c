package io.tokenpair.client;

import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.Cookie;

/**
 * A cookie as {@link FileSessionStore} writes it in its JSON file, and back. A session cookie (no
 * expiry) is written with {@code "persistent": false} and read back as a session cookie; a file
 * without the field holds persistent cookies only. Stateless.
 */
final class CookieJson {
  private CookieJson() {}

  static Map<String, Object> toJson(Cookie cookie) {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("name", cookie.name());
    node.put("value", cookie.value());
    if (cookie.persistent()) {
      node.put("expires_at", cookie.expiresAt());
    } else {
      node.put("persistent", false);
    }
    node.put("domain", cookie.domain());
    node.put("host_only", cookie.hostOnly());
    node.put("path", cookie.path());
    node.put("secure", cookie.secure());
    node.put("http_only", cookie.httpOnly());
    if (cookie.sameSite() != null) node.put("same_site", cookie.sameSite());
    return node;
  }

  static Cookie toCookie(Object node, File file) throws IOException {
    try {
      Cookie.Builder builder =
          new Cookie.Builder()
              .name(text(node, "name", ""))
              .value(text(node, "value", ""))
              .path(text(node, "path", "/"));
      if (flag(node, "persistent", true)) {
        Number expiresAt = Json.number(Json.get(node, "expires_at"));
        builder.expiresAt(expiresAt != null ? expiresAt.longValue() : 0);
      }
      String domain = text(node, "domain", "");
      if (flag(node, "host_only", false)) {
        builder.hostOnlyDomain(domain);
      } else {
        builder.domain(domain);
      }
      if (flag(node, "secure", false)) builder.secure();
      if (flag(node, "http_only", false)) builder.httpOnly();
      String sameSite = Json.text(Json.get(node, "same_site"));
      if (sameSite != null) builder.sameSite(sameSite);
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new IOException("The session file " + file + " has an invalid cookie.");
    }
  }

  private static String text(Object node, String name, String absent) {
    String text = Json.text(Json.get(node, name));
    return text != null ? text : absent;
  }

  private static boolean flag(Object node, String name, boolean absent) {
    Object value = Json.get(node, name);
    return value instanceof Boolean ? (Boolean) value : absent;
  }
}
