package io.tokenpair.client;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Tests write and read JSON with jackson-databind; the SDK itself reads JSON with {@link Json}. */
final class TestJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private TestJson() {}
}
