package io.tokenpair.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import okhttp3.Cookie;

/** A cookie as {@link FileSessionStore} writes it in its JSON file, and back. Stateless. */
final class CookieJson {
  private CookieJson() {}

  static ObjectNode toJson(ObjectMapper mapper, Cookie cookie) {
    ObjectNode node = mapper.createObjectNode();
    node.put("name", cookie.name());
    node.put("value", cookie.value());
    node.put("expires_at", cookie.expiresAt());
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
              .expiresAt(node.path("expires_at").asLong())
              .path(node.path("path").asText("/"));
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
