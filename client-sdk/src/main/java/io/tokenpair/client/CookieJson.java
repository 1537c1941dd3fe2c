package io.tokenpair.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import okhttp3.Cookie;

/**
 * A cookie as {@link FileSessionStore} writes it in its JSON file, and back. A session cookie (no
 * expiry) is written with {@code "persistent": false} and read back as a session cookie; a file
 * without the field holds persistent cookies only. Stateless.
 */
final class CookieJson {
  private CookieJson() {}

  static ObjectNode toJson(ObjectMapper mapper, Cookie cookie) {
    ObjectNode node = mapper.createObjectNode();
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

  static Cookie toCookie(JsonNode node, File file) throws IOException {
    try {
      Cookie.Builder builder =
          new Cookie.Builder()
              .name(node.path("name").asText())
              .value(node.path("value").asText())
              .path(node.path("path").asText("/"));
      if (node.path("persistent").asBoolean(true)) {
        builder.expiresAt(node.path("expires_at").asLong());
      }
      String domain = node.path("domain").asText();
      if (node.path("host_only").asBoolean()) {
        builder.hostOnlyDomain(domain);
      } else {
        builder.domain(domain);
      }
      if (node.path("secure").asBoolean()) builder.secure();
      if (node.path("http_only").asBoolean()) builder.httpOnly();
      if (node.hasNonNull("same_site")) builder.sameSite(node.get("same_site").asText());
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new IOException("The session file " + file + " has an invalid cookie.");
    }
  }
}
