package io.tokenpair.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The few JSON values the SDK reads (auth answers, JWT claims, the session file), as plain Java
 * values read with jackson-core's streaming parser: a {@code Map<String, Object>} for an object, a
 * {@code List<Object>} for an array, {@code String}, {@code Long} or {@code Double}, {@code
 * Boolean}, and {@link #NULL}. An object mapper would add hundreds of kilobytes to an Android app
 * to read a handful of fields.
 *
 * <p>Hardened for hostile input: nesting, string and number lengths are bounded, and parse errors
 * never quote the input (it may hold a token). Stateless and thread-safe.
 */
final class Json {
  /** JSON's {@code null}. */
  static final Object NULL = new Object();

  /** What {@link #at} finds where there is nothing, and what a body that is not JSON reads as. */
  static final Object MISSING = new Object();

  /** Deeper than any answer or session file the SDK reads. */
  static final int MAX_DEPTH = 64;

  static final JsonFactory FACTORY =
      JsonFactory.builder()
          .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_DEPTH)
                  .maxNumberLength(64)
                  .maxStringLength(AuthAnswers.MAX_BODY_BYTES)
                  .build())
          .build();

  private Json() {}

  /**
   * Reads one JSON document.
   *
   * @throws IOException if it is not JSON (the message quotes none of it), or if more follows it.
   */
  static Object parse(byte[] bytes) throws IOException {
    try (JsonParser parser = FACTORY.createParser(bytes)) {
      return document(parser);
    }
  }

  /** As {@link #parse(byte[])}, from a stream. */
  static Object parse(InputStream in) throws IOException {
    try (JsonParser parser = FACTORY.createParser(in)) {
      return document(parser);
    }
  }

  private static Object document(JsonParser parser) throws IOException {
    if (parser.nextToken() == null) throw new IOException("No JSON value.");
    Object value = value(parser);
    if (parser.nextToken() != null) throw new IOException("Trailing data after the JSON value.");
    return value;
  }

  private static Object value(JsonParser parser) throws IOException {
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT:
        Map<String, Object> object = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          parser.nextToken();
          object.put(name, value(parser));
        }
        return Collections.unmodifiableMap(object);
      case START_ARRAY:
        List<Object> array = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) array.add(value(parser));
        return Collections.unmodifiableList(array);
      case VALUE_STRING:
        return parser.getText();
      case VALUE_NUMBER_INT:
        return parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? (Object) parser.getDoubleValue()
            : (Object) parser.getLongValue();
      case VALUE_NUMBER_FLOAT:
        return parser.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return NULL;
      default:
        throw new IOException("Unexpected JSON token " + token + ".");
    }
  }

  /**
   * Writes {@code value}, made of the types that {@link #parse} returns (and {@code Integer}), as
   * UTF-8 JSON.
   */
  static byte[] write(Object value) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator generator = FACTORY.createGenerator(bytes)) {
      write(generator, value);
    }
    return bytes.toByteArray();
  }

  private static void write(JsonGenerator generator, @Nullable Object value) throws IOException {
    if (value == null || value == NULL) {
      generator.writeNull();
    } else if (value instanceof Map) {
      generator.writeStartObject();
      for (Map.Entry<?, ?> member : ((Map<?, ?>) value).entrySet()) {
        generator.writeFieldName(String.valueOf(member.getKey()));
        write(generator, member.getValue());
      }
      generator.writeEndObject();
    } else if (value instanceof List) {
      generator.writeStartArray();
      for (Object element : (List<?>) value) write(generator, element);
      generator.writeEndArray();
    } else if (value instanceof String) {
      generator.writeString((String) value);
    } else if (value instanceof Long || value instanceof Integer) {
      generator.writeNumber(((Number) value).longValue());
    } else if (value instanceof Double) {
      generator.writeNumber((Double) value);
    } else if (value instanceof Boolean) {
      generator.writeBoolean((Boolean) value);
    } else {
      throw new IllegalArgumentException("Not a JSON value: " + value.getClass().getName());
    }
  }

  /** The value at {@code pointer} in {@code root}, or {@link #MISSING}. */
  static Object at(Object root, JsonPointer pointer) {
    Object node = root;
    for (JsonPointer rest = pointer; !rest.matches(); rest = rest.tail()) {
      if (node instanceof Map) {
        Map<?, ?> object = (Map<?, ?>) node;
        String name = rest.getMatchingProperty();
        if (!object.containsKey(name)) return MISSING;
        node = object.get(name);
      } else if (node instanceof List) {
        List<?> array = (List<?>) node;
        int index = rest.getMatchingIndex();
        if (index < 0 || index >= array.size()) return MISSING;
        node = array.get(index);
      } else {
        return MISSING;
      }
    }
    return node == null ? NULL : node;
  }

  /** The member {@code name} of {@code node} if it is an object, else {@link #MISSING}. */
  static Object get(Object node, String name) {
    if (!(node instanceof Map)) return MISSING;
    Object value = ((Map<?, ?>) node).get(name);
    return value == null ? MISSING : value;
  }

  /** {@code node} if it is a string, else null. */
  static @Nullable String text(Object node) {
    return node instanceof String ? (String) node : null;
  }

  /** {@code node} if it is a number, else null. */
  static @Nullable Number number(Object node) {
    return node instanceof Number ? (Number) node : null;
  }
}
