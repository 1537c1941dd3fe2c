package io.tokenpair.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The few JSON values the SDK reads (auth answers, JWT claims, the session file), as plain Java
 * values: a {@code Map<String, Object>} for an object, a {@code List<Object>} for an array, {@code
 * String}, {@code Long} (a number without fraction or exponent that fits) or {@code Double}, {@code
 * Boolean}, and {@link #NULL}. A parser of its own, because a library would add tens to hundreds of
 * kilobytes to an Android app to read a handful of fields.
 *
 * <p>Reads UTF-8 JSON text exactly as RFC 8259's grammar has it (an optional UTF-8 byte order mark
 * is skipped, as section 8.1 allows); a duplicate member name keeps the last value. Hardened for
 * hostile input: the input, nesting, string and number lengths are bounded, invalid UTF-8 is an
 * error, and parse errors name a byte offset but never quote the input (it may hold a token).
 * Stateless and thread-safe.
 */
final class Json {
  /** JSON's {@code null}. */
  static final Object NULL = new Object();

  /** What {@link #at} finds where there is nothing, and what a body that is not JSON reads as. */
  static final Object MISSING = new Object();

  /** Deeper than any answer or session file the SDK reads. */
  static final int MAX_DEPTH = 64;

  /** The most bytes of JSON text read: as much as an auth answer may have. */
  static final int MAX_INPUT_BYTES = AuthAnswers.MAX_BODY_BYTES;

  /** The longest number, in characters. */
  static final int MAX_NUMBER_LENGTH = 1000;

  private static final String HEX = "0123456789abcdef";

  private Json() {}

  /**
   * Reads one JSON document.
   *
   * @throws IOException if it is not JSON (the message quotes none of it), if more follows it, or
   *     if it is longer than {@link #MAX_INPUT_BYTES}.
   */
  static Object parse(byte[] bytes) throws IOException {
    if (bytes.length > MAX_INPUT_BYTES) throw tooLarge();
    return new Parser(bytes).document();
  }

  /** As {@link #parse(byte[])}, from a stream, of which it reads at most one byte too many. */
  static Object parse(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    for (int n; (n = in.read(buffer)) != -1; ) {
      bytes.write(buffer, 0, n);
      if (bytes.size() > MAX_INPUT_BYTES) throw tooLarge();
    }
    return parse(bytes.toByteArray());
  }

  private static IOException tooLarge() {
    return new IOException("The JSON text is longer than " + MAX_INPUT_BYTES + " bytes.");
  }

  /** A recursive-descent reader of one document; {@code depth} bounds the recursion. */
  private static final class Parser {
    private final byte[] in;
    private int pos;
    private int depth;

    Parser(byte[] in) {
      this.in = in;
    }

    Object document() throws IOException {
      if (in.length >= 3 && in[0] == (byte) 0xef && in[1] == (byte) 0xbb && in[2] == (byte) 0xbf) {
        pos = 3;
      }
      skipWhitespace();
      if (pos == in.length) throw new IOException("No JSON value.");
      Object value = value();
      skipWhitespace();
      if (pos != in.length) throw new IOException("Trailing data after the JSON value.");
      return value;
    }

    private Object value() throws IOException {
      int c = peek();
      switch (c) {
        case '{':
          return object();
        case '[':
          return array();
        case '"':
          return string();
        case 't':
          return literal("true", Boolean.TRUE);
        case 'f':
          return literal("false", Boolean.FALSE);
        case 'n':
          return literal("null", NULL);
        default:
          if (c == '-' || (c >= '0' && c <= '9')) return number();
          throw error(c == -1 ? "Unexpected end" : "Expected a JSON value");
      }
    }

    private Object object() throws IOException {
      enter();
      Map<String, Object> object = new LinkedHashMap<>();
      skipWhitespace();
      if (peek() == '}') {
        pos++;
      } else {
        while (true) {
          if (peek() != '"') throw error("Expected a member name");
          String name = string();
          skipWhitespace();
          if (peek() != ':') throw error("Expected ':'");
          pos++;
          skipWhitespace();
          object.put(name, value());
          if (!more('}')) break;
        }
      }
      depth--;
      return Collections.unmodifiableMap(object);
    }

    private Object array() throws IOException {
      enter();
      List<Object> array = new ArrayList<>();
      skipWhitespace();
      if (peek() == ']') {
        pos++;
      } else {
        do {
          array.add(value());
        } while (more(']'));
      }
      depth--;
      return Collections.unmodifiableList(array);
    }

    /** After a member or element: true after a comma (and the whitespace after it). */
    private boolean more(char end) throws IOException {
      skipWhitespace();
      int c = peek();
      pos++;
      if (c == end) return false;
      if (c != ',') throw error("Expected ',' or '" + end + "'", pos - 1);
      skipWhitespace();
      return true;
    }

    /** Consumes the opening bracket. */
    private void enter() throws IOException {
      if (++depth > MAX_DEPTH) throw error("Nesting deeper than " + MAX_DEPTH);
      pos++;
    }

    private Object literal(String word, Object value) throws IOException {
      for (int i = 0; i < word.length(); i++) {
        if (peek() != word.charAt(i)) throw error("Expected a JSON value");
        pos++;
      }
      return value;
    }

    private Object number() throws IOException {
      int start = pos;
      boolean integral = true;
      if (peek() == '-') pos++;
      if (peek() == '0') {
        pos++;
      } else {
        digits();
      }
      if (peek() == '.') {
        pos++;
        integral = false;
        digits();
      }
      if (peek() == 'e' || peek() == 'E') {
        pos++;
        integral = false;
        if (peek() == '+' || peek() == '-') pos++;
        digits();
      }
      if (pos - start > MAX_NUMBER_LENGTH) {
        throw error("Number longer than " + MAX_NUMBER_LENGTH + " characters", start);
      }
      String text = new String(in, start, pos - start, StandardCharsets.US_ASCII);
      if (integral) {
        try {
          return Long.parseLong(text);
        } catch (NumberFormatException tooBig) {
          // Read as a double, as the grammar allows.
        }
      }
      return Double.parseDouble(text);
    }

    /** One or more digits. */
    private void digits() throws IOException {
      if (!isDigit(peek())) throw error("Expected a digit");
      do {
        pos++;
      } while (isDigit(peek()));
    }

    private String string() throws IOException {
      int start = pos++;
      StringBuilder text = new StringBuilder();
      while (true) {
        if (pos == in.length) throw error("Unterminated string", start);
        int b = in[pos++] & 0xff;
        if (b == '"') break;
        if (b == '\\') {
          escape(text);
        } else if (b < 0x20) {
          throw error("Unescaped control character in a string", pos - 1);
        } else if (b < 0x80) {
          text.append((char) b);
        } else {
          utf8(b, text);
        }
        if (text.length() > AuthAnswers.MAX_BODY_BYTES) {
          throw error("String longer than " + AuthAnswers.MAX_BODY_BYTES + " characters", start);
        }
      }
      return text.toString();
    }

    private void escape(StringBuilder text) throws IOException {
      int c = peek();
      pos++;
      switch (c) {
        case '"':
        case '\\':
        case '/':
          text.append((char) c);
          return;
        case 'b':
          text.append('\b');
          return;
        case 'f':
          text.append('\f');
          return;
        case 'n':
          text.append('\n');
          return;
        case 'r':
          text.append('\r');
          return;
        case 't':
          text.append('\t');
          return;
        case 'u':
          int unit = 0;
          for (int i = 0; i < 4; i++) {
            int digit = hexDigit(peek());
            if (digit < 0) throw error("Invalid \\u escape");
            unit = unit << 4 | digit;
            pos++;
          }
          text.append((char) unit); // A lone surrogate too: the grammar allows it.
          return;
        default:
          throw error("Invalid escape", pos - 2);
      }
    }

    /** Decodes the UTF-8 sequence that starts with {@code lead}: no overlong form, no surrogate. */
    private void utf8(int lead, StringBuilder text) throws IOException {
      int at = pos - 1;
      int length;
      int min;
      int codePoint;
      if (lead >= 0xc2 && lead <= 0xdf) {
        length = 1;
        min = 0x80;
        codePoint = lead & 0x1f;
      } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 2;
        min = 0x800;
        codePoint = lead & 0x0f;
      } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 3;
        min = 0x10000;
        codePoint = lead & 0x07;
      } else {
        throw error("Invalid UTF-8", at);
      }
      for (int i = 0; i < length; i++) {
        int b = peek();
        if ((b & 0xc0) != 0x80) throw error("Invalid UTF-8", at);
        codePoint = codePoint << 6 | (b & 0x3f);
        pos++;
      }
      if (codePoint < min
          || codePoint > Character.MAX_CODE_POINT
          || (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE)) {
        throw error("Invalid UTF-8", at);
      }
      text.appendCodePoint(codePoint);
    }

    private void skipWhitespace() {
      while (pos < in.length) {
        byte b = in[pos];
        if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return;
        pos++;
      }
    }

    /** The byte at the position, 0 to 255, or -1 at the end. */
    private int peek() {
      return pos < in.length ? in[pos] & 0xff : -1;
    }

    private static int hexDigit(int c) {
      if (isDigit(c)) return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    }

    private static boolean isDigit(int c) {
      return c >= '0' && c <= '9';
    }

    private IOException error(String problem) {
      return error(problem, pos);
    }

    /** Names the offset, never the input. */
    private static IOException error(String problem, int offset) {
      return new IOException(problem + " at byte " + offset + " of the JSON text.");
    }
  }

  /**
   * Writes {@code value}, made of the types that {@link #parse} returns (and {@code Integer}, and
   * {@code null} for {@link #NULL}), as UTF-8 JSON. Map keys are written as {@link
   * String#valueOf(Object)}. An infinite {@code Double} (as {@link #parse} reads {@code 1e400}) is
   * written as {@code 1e400} or {@code -1e400}; a lone surrogate, which UTF-8 cannot encode, as an
   * escape of its UTF-16 code unit, which {@link #parse} reads back.
   *
   * @throws IllegalArgumentException if it holds another type, or a NaN.
   */
  static byte[] write(@Nullable Object value) throws IOException {
    StringBuilder json = new StringBuilder();
    write(json, value);
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void write(StringBuilder json, @Nullable Object value) {
    if (value == null || value == NULL) {
      json.append("null");
    } else if (value instanceof Map) {
      json.append('{');
      String separator = "";
      for (Map.Entry<?, ?> member : ((Map<?, ?>) value).entrySet()) {
        json.append(separator);
        writeString(json, String.valueOf(member.getKey()));
        json.append(':');
        write(json, member.getValue());
        separator = ",";
      }
      json.append('}');
    } else if (value instanceof List) {
      json.append('[');
      String separator = "";
      for (Object element : (List<?>) value) {
        json.append(separator);
        write(json, element);
        separator = ",";
      }
      json.append(']');
    } else if (value instanceof String) {
      writeString(json, (String) value);
    } else if (value instanceof Long || value instanceof Integer || value instanceof Boolean) {
      json.append(value);
    } else if (value instanceof Double && !((Double) value).isNaN()) {
      double number = (Double) value;
      json.append(Double.isInfinite(number) ? (number > 0 ? "1e400" : "-1e400") : value);
    } else {
      throw new IllegalArgumentException("Not a JSON value: " + value.getClass().getName());
    }
  }

  private static void writeString(StringBuilder json, String text) {
    json.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        json.append('\\').append(c);
      } else if (c == '\n') {
        json.append("\\n");
      } else if (c == '\r') {
        json.append("\\r");
      } else if (c == '\t') {
        json.append("\\t");
      } else if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        json.append(c).append(text.charAt(++i));
      } else if (c < 0x20 || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c)) {
        json.append("\\u");
        for (int shift = 12; shift >= 0; shift -= 4) json.append(HEX.charAt(c >> shift & 0xf));
      } else {
        json.append(c);
      }
    }
    json.append('"');
  }

  /** The value at {@code pointer} in {@code root}, or {@link #MISSING}. */
  static Object at(Object root, JsonPointer pointer) {
    Object node = root;
    for (int i = 0; i < pointer.size(); i++) {
      if (node instanceof Map) {
        Map<?, ?> object = (Map<?, ?>) node;
        String name = pointer.name(i);
        if (!object.containsKey(name)) return MISSING;
        node = object.get(name);
      } else if (node instanceof List) {
        List<?> array = (List<?>) node;
        int index = pointer.index(i);
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
