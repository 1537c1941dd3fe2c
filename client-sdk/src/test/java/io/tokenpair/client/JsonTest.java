package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class JsonTest {
  /** jackson-databind with the limits of {@link Json}: the reference the parser is compared to. */
  private static final ObjectMapper JACKSON =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(Json.MAX_DEPTH)
                          .maxNumberLength(Json.MAX_NUMBER_LENGTH)
                          .maxStringLength(AuthAnswers.MAX_BODY_BYTES)
                          .build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static Object parse(String json) throws IOException {
    return Json.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String written(Object value) throws IOException {
    return new String(Json.write(value), StandardCharsets.UTF_8);
  }

  private static String nested(String open, String close, int depth) {
    StringBuilder json = new StringBuilder();
    for (int i = 0; i < depth; i++) json.append(open);
    json.append("1");
    for (int i = 0; i < depth; i++) json.append(close);
    return json.toString();
  }

  @Test
  void readsTheValuesTheSdkNeedsAtAPointer() throws IOException {
    Object root =
        parse(
            "{\"data\":{\"access_token\":\"at\",\"list\":[1,2.5,true,null]},"
                + "\"expires_in\":3599,\"big\":123456789012345678901234567890}");
    assertThat(Json.text(Json.at(root, JsonPointer.compile("/data/access_token")))).isEqualTo("at");
    assertThat(Json.at(root, JsonPointer.compile("/data/list")))
        .isEqualTo(Arrays.asList(1L, 2.5d, true, Json.NULL));
    assertThat(Json.at(root, JsonPointer.compile("/data/list/3"))).isSameAs(Json.NULL);
    assertThat(Json.at(root, JsonPointer.compile("/data/list/4"))).isSameAs(Json.MISSING);
    assertThat(Json.at(root, JsonPointer.compile("/data/none"))).isSameAs(Json.MISSING);
    assertThat(Json.at(root, JsonPointer.compile("/expires_in/x"))).isSameAs(Json.MISSING);
    assertThat(Json.at(root, JsonPointer.compile(""))).isSameAs(root);
    assertThat(Json.number(Json.get(root, "expires_in"))).isEqualTo(3599L);
    assertThat(Json.number(Json.get(root, "big"))).isEqualTo(1.2345678901234568E29);
    assertThat(Json.get(Collections.emptyList(), "x")).isSameAs(Json.MISSING);
  }

  @Test
  void pointersFollowRfc6901() throws IOException {
    // The examples of RFC 6901 section 5.
    Object root =
        parse(
            "{\"foo\":[\"bar\",\"baz\"],\"\":0,\"a/b\":1,\"c%d\":2,\"e^f\":3,\"g|h\":4,"
                + "\"i\\\\j\":5,\"k\\\"l\":6,\" \":7,\"m~n\":8}");
    String[][] cases = {
      {"/foo/0", "bar"},
      {"/", "0"},
      {"/a~1b", "1"},
      {"/c%d", "2"},
      {"/e^f", "3"},
      {"/g|h", "4"},
      {"/i\\j", "5"},
      {"/k\"l", "6"},
      {"/ ", "7"},
      {"/m~0n", "8"},
    };
    for (String[] c : cases) {
      Object found = Json.at(root, JsonPointer.compile(c[0]));
      assertThat(found instanceof String ? found : String.valueOf(found)).isEqualTo(c[1]);
    }
    assertThat(Json.at(root, JsonPointer.compile("/foo"))).isEqualTo(Arrays.asList("bar", "baz"));
    // Array indexes: decimal, no leading zeros, no "-", within int.
    for (String missing : new String[] {"/foo/01", "/foo/-", "/foo/+1", "/foo/2", "/foo/", "/x"}) {
      assertThat(Json.at(root, JsonPointer.compile(missing))).as(missing).isSameAs(Json.MISSING);
    }
    assertThat(JsonPointer.compile("/foo/4294967296").index(1)).isEqualTo(-1);
    assertThat(JsonPointer.compile("/foo/2147483647").index(1)).isEqualTo(Integer.MAX_VALUE);
    assertThat(JsonPointer.compile("/foo/2147483648").index(1)).isEqualTo(-1);
    // An object member named like an index.
    assertThat(Json.at(parse("{\"0\":\"zero\"}"), JsonPointer.compile("/0"))).isEqualTo("zero");
    // "~01" is "~1", not "/".
    assertThat(JsonPointer.compile("/~01").name(0)).isEqualTo("~1");
    assertThat(JsonPointer.compile("//").size()).isEqualTo(2);
    assertThat(JsonPointer.compile("/a~1b").toString()).isEqualTo("/a~1b");
    for (String invalid : new String[] {"a", "#/a", "/a~", "/a~2", "/~a"}) {
      assertThatThrownBy(() -> JsonPointer.compile(invalid))
          .as(invalid)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void refusesDeepNestingTrailingDataAndNeverQuotesTheInput() throws IOException {
    assertThat(parse(nested("[", "]", Json.MAX_DEPTH))).isInstanceOf(List.class);
    assertThatThrownBy(() -> parse(nested("[", "]", Json.MAX_DEPTH + 1)))
        .hasMessage("Nesting deeper than 64 at byte 64 of the JSON text.");
    assertThatThrownBy(() -> parse(nested("{\"a\":", "}", Json.MAX_DEPTH + 1)))
        .hasMessage("Nesting deeper than 64 at byte 320 of the JSON text.");
    assertThatThrownBy(() -> parse("{\"a\":1} {\"b\":2}"))
        .hasMessage("Trailing data after the JSON value.");
    assertThatThrownBy(() -> parse("")).hasMessage("No JSON value.");
    assertThatThrownBy(() -> parse(" \n")).hasMessage("No JSON value.");
    assertThatThrownBy(() -> parse("{\"access_token\":\"secret-token\" oops}"))
        .hasMessage("Expected ',' or '}' at byte 31 of the JSON text.");
    assertThatThrownBy(() -> parse("{\"access_token\":secret-token}"))
        .hasMessage("Expected a JSON value at byte 16 of the JSON text.");
    assertThatThrownBy(() -> parse("{\"access_token\":\"secret-token"))
        .hasMessage("Unterminated string at byte 16 of the JSON text.");
    assertThatThrownBy(() -> parse("{\"access_token\":\"secret\\q\"}"))
        .hasMessage("Invalid escape at byte 23 of the JSON text.");
    assertThatThrownBy(() -> parse("[1,")).hasMessage("Unexpected end at byte 3 of the JSON text.");
  }

  @Test
  void refusesInputLongerThanTheBound() throws IOException {
    byte[] longest = new byte[Json.MAX_INPUT_BYTES];
    Arrays.fill(longest, (byte) ' ');
    longest[0] = '1';
    assertThat(Json.parse(longest)).isEqualTo(1L);
    assertThat(Json.parse(new ByteArrayInputStream(longest))).isEqualTo(1L);
    byte[] tooLong = Arrays.copyOf(longest, Json.MAX_INPUT_BYTES + 1);
    tooLong[Json.MAX_INPUT_BYTES] = ' ';
    String message = "The JSON text is longer than 1048576 bytes.";
    assertThatThrownBy(() -> Json.parse(tooLong)).hasMessage(message);
    assertThatThrownBy(() -> Json.parse(new ByteArrayInputStream(tooLong))).hasMessage(message);
  }

  @Test
  void boundsNumberLength() throws IOException {
    char[] digits = new char[Json.MAX_NUMBER_LENGTH];
    Arrays.fill(digits, '9');
    assertThat(parse(new String(digits))).isEqualTo(Double.POSITIVE_INFINITY);
    assertThatThrownBy(() -> parse("[" + new String(digits) + "9]"))
        .hasMessage("Number longer than 1000 characters at byte 1 of the JSON text.");
  }

  @Test
  void refusesInvalidUtf8() {
    byte[][] invalid = {
      {'"', (byte) 0x80, '"'}, // a continuation byte first
      {'"', (byte) 0xc3, '"'}, // a sequence cut short
      {'"', (byte) 0xc0, (byte) 0xaf, '"'}, // an overlong '/'
      {'"', (byte) 0xe0, (byte) 0x80, (byte) 0xaf, '"'}, // an overlong '/' in three bytes
      {'"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"'}, // a surrogate, U+D800
      {'"', (byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'}, // above U+10FFFF
      {'"', (byte) 0xf5, (byte) 0x80, (byte) 0x80, (byte) 0x80, '"'},
      {'"', (byte) 0xff, '"'},
      {(byte) 0xc3, (byte) 0xa9}, // outside a string
    };
    for (byte[] bytes : invalid) {
      assertThatThrownBy(() -> Json.parse(bytes))
          .as(Arrays.toString(bytes))
          .isInstanceOf(IOException.class)
          .hasMessageNotContaining("\ufffd");
    }
  }

  /**
   * Hand-written documents, parsed by {@link Json} and by jackson-databind (with the same limits):
   * both must find each valid or each invalid, and read the same values.
   */
  @Test
  void agreesWithJacksonOnACorpusOfEdgeCases() throws IOException {
    List<String> corpus =
        new ArrayList<>(
            Arrays.asList(
                // Literals and whitespace.
                "true",
                "false",
                "null",
                " \t\r\n null \t\r\n",
                "nul",
                "nulll",
                "True",
                "NULL",
                "\f1",
                "\u000b1",
                "\u00a01",
                "1\u0001",
                // Numbers.
                "0",
                "-0",
                "-0.0",
                "0.0",
                "1",
                "-1",
                "0.1",
                "1e400",
                "-1e400",
                "1e-400",
                "1E2",
                "1e+2",
                "1e-2",
                "1.5e3",
                "12345678901234567890",
                "-12345678901234567890",
                "9223372036854775807",
                "9223372036854775808",
                "-9223372036854775808",
                "-9223372036854775809",
                "4.9e-324",
                "1.7976931348623157e308",
                "0.30000000000000004",
                "123456789012345678901234567890.5",
                "00",
                "01",
                "-01",
                "+1",
                ".1",
                "1.",
                "1.e2",
                "1e",
                "1e+",
                "-",
                "--1",
                "0x10",
                "1_000",
                "NaN",
                "Infinity",
                "-Infinity",
                "1 2",
                "[01]",
                "[1.]",
                "[-]",
                "[1e]",
                // Strings and escapes.
                "\"\"",
                "\"a\"",
                "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
                "\"\\u0000\"",
                "\"\\u00e9\"",
                "\"\\u00E9\"",
                "\"\\u2028\\u2029\"",
                "\"\\ud83d\\ude00\"",
                "\"\\uD83D\\uDE00\"",
                "\"\\ud800\"",
                "\"\\udc00\"",
                "\"\\ude00\\ud83d\"",
                "\"\\ud800x\"",
                "\"\\u12\"",
                "\"\\u12g4\"",
                "\"\\x41\"",
                "\"\\a\"",
                "\"\\'\"",
                "\"\\\"",
                "\"abc",
                "'a'",
                "\"é€😀\"",
                "\"\u2028\"",
                "\"\u007f\"",
                "\"a\u0000b\"",
                "\"a\u001fb\"",
                "\"a\tb\"",
                "\"a\nb\"",
                // Arrays.
                "[]",
                "[ ]",
                "[1]",
                "[1,2]",
                "[1,]",
                "[,1]",
                "[1,,2]",
                "[",
                "]",
                "[1",
                "[1 2]",
                "[[[]]]",
                "[[]",
                "[\"a\",{\"b\":[null]}]",
                // Objects.
                "{}",
                "{ }",
                "{\"a\":1}",
                "{\"\":1}",
                "{\"a\":1,\"a\":2}",
                "{\"a\":{\"x\":1},\"a\":[2]}",
                "{\"a\":1,}",
                "{,\"a\":1}",
                "{\"a\"}",
                "{\"a\":}",
                "{\"a\" 1}",
                "{a:1}",
                "{'a':1}",
                "{1:1}",
                "{\"a\":1 \"b\":2}",
                "{\"a\":1",
                "{\"a\"::1}",
                "{\"a\":1}}",
                "{\"a\\u0000b\":true}",
                "{\"\\ud83d\\ude00\":1}",
                // Comments and other extensions.
                "[1]//",
                "/* */[1]",
                "# x\n1",
                "[1];",
                // Byte order mark.
                "\ufeff{}",
                "\ufeff",
                "\ufeff\ufeff{}",
                "{}\ufeff",
                "[\ufeff1]"));
    corpus.add(nested("[", "]", Json.MAX_DEPTH));
    corpus.add(nested("[", "]", Json.MAX_DEPTH + 1));
    corpus.add(nested("{\"a\":", "}", Json.MAX_DEPTH));
    corpus.add(nested("{\"a\":", "}", Json.MAX_DEPTH + 1));
    corpus.add(nested("[{\"a\":", "}]", Json.MAX_DEPTH / 2));
    corpus.add(nested("[{\"a\":", "}]", Json.MAX_DEPTH / 2 + 1));
    int valid = 0;
    List<String> mismatches = new ArrayList<>();
    for (String document : corpus) {
      byte[] bytes = document.getBytes(StandardCharsets.UTF_8);
      Object expected = jackson(bytes);
      Object actual;
      try {
        actual = Json.parse(bytes);
      } catch (IOException e) {
        actual = null;
      }
      if (!java.util.Objects.equals(actual, expected))
        mismatches.add(escaped(document) + " json=" + actual + " jackson=" + expected);
      if (actual != null) valid++;
    }
    assertThat(mismatches).isEmpty();
    assertThat(valid).isEqualTo(62);
  }

  private static String escaped(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c < 0x20 || c > 0x7e) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.toString();
  }

  /**
   * Where jackson-databind 2.23 departs from RFC 8259, and {@link Json} follows the RFC: Jackson
   * takes a NUL byte right after a number for the end of the input, and refuses a lone surrogate
   * escape in a member name (while it takes one in a string value).
   */
  @Test
  void jacksonIsLaxerOrStricterThanTheGrammarHere() throws IOException {
    assertThat(jackson("1\u0000".getBytes(StandardCharsets.UTF_8))).isEqualTo(1L);
    assertThatThrownBy(() -> parse("1\u0000")).hasMessage("Trailing data after the JSON value.");
    Map<String, Object> loneSurrogates = new LinkedHashMap<>();
    loneSurrogates.put("\ud800", 1L);
    loneSurrogates.put("a\udc00", "\ud800");
    byte[] json = "{\"\\ud800\":1,\"a\\udc00\":\"\\ud800\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(jackson(json)).isNull();
    assertThat(Json.parse(json)).isEqualTo(loneSurrogates);
    assertThat(Json.write(loneSurrogates)).isEqualTo(json);
  }

  /** What jackson-databind reads, in {@link Json}'s types; null if it is not JSON. */
  private static Object jackson(byte[] bytes) {
    JsonNode node;
    try {
      node = JACKSON.readTree(bytes);
    } catch (IOException e) {
      return null;
    }
    return node == null || node.isMissingNode() ? null : convert(node);
  }

  private static Object convert(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> object = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> i = node.fields(); i.hasNext(); ) {
        Map.Entry<String, JsonNode> member = i.next();
        object.put(member.getKey(), convert(member.getValue()));
      }
      return object;
    } else if (node.isArray()) {
      List<Object> array = new ArrayList<>();
      for (JsonNode element : node) array.add(convert(element));
      return array;
    } else if (node.isTextual()) {
      return node.textValue();
    } else if (node.isBoolean()) {
      return node.booleanValue();
    } else if (node.isNull()) {
      return Json.NULL;
    } else if (node.isIntegralNumber() && !node.isBigInteger()) {
      return node.longValue();
    } else if (node.isNumber()) {
      return node.doubleValue();
    }
    throw new AssertionError(node.getNodeType());
  }

  @Test
  void writesValidJsonWithEveryCharacterThatNeedsAnEscapeEscaped() throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("s", "q\"b\\s/\b\f\n\r\t\u0000\u001f\u007f\u2028\u2029é😀");
    root.put("lone", "\ud800x\udc00");
    root.put("n", Arrays.asList(1, -2L, 0.5, -0.0, 1e300, Double.POSITIVE_INFINITY, null));
    root.put("b", Arrays.asList(true, false, Json.NULL));
    root.put("o", Collections.emptyMap());
    String json = written(root);
    assertThat(json)
        .isEqualTo(
            "{\"s\":\"q\\\"b\\\\s/\\u0008\\u000c\\n\\r\\t\\u0000\\u001f\u007f\\u2028\\u2029é😀\","
                + "\"lone\":\"\\ud800x\\udc00\","
                + "\"n\":[1,-2,0.5,-0.0,1.0E300,1e400,null],"
                + "\"b\":[true,false,null],"
                + "\"o\":{}}");
    assertThat(jackson(Json.write(root))).isEqualTo(Json.parse(Json.write(root)));
    assertThatThrownBy(() -> Json.write(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Json.write(Collections.singletonList(new Object())))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Files that the Jackson-based writer wrote read the same, and the new writer's bytes agree. */
  @Test
  void writesAsJacksonDidForTheSessionFile() throws IOException {
    Map<String, Object> session = new LinkedHashMap<>();
    session.put("version", 1);
    session.put("accessToken", "eyJ.abc.def");
    session.put("expiresAtMillis", 1764950400000L);
    session.put("cookies", Collections.singletonList(Collections.singletonMap("name", "rt")));
    session.put("unknown", Arrays.asList(0.25, true, null, "é"));
    byte[] jackson = new ObjectMapper().writeValueAsBytes(session);
    assertThat(Json.write(session)).isEqualTo(jackson);
    assertThat(Json.parse(jackson)).isEqualTo(Json.parse(Json.write(session)));
  }

  /** Random values written and read back: the same values, and jackson-databind reads them too. */
  @Test
  void randomValuesSurviveWriteAndParse() throws IOException {
    Random random = new Random(20261205L);
    for (int i = 0; i < 2000; i++) {
      Object value = randomValue(random, 0);
      byte[] json = Json.write(value);
      Object read = Json.parse(json);
      assertThat(read).as("seed 20261205, value %s", i).isEqualTo(value);
      assertThat(jackson(json)).as("seed 20261205, value %s", i).isEqualTo(value);
    }
  }

  private static Object randomValue(Random random, int depth) {
    switch (random.nextInt(depth < 6 ? 8 : 6)) {
      case 0:
        return randomString(random, true);
      case 1:
        long[] edges = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE + 1L};
        return random.nextBoolean() ? edges[random.nextInt(edges.length)] : random.nextLong();
      case 2:
        double[] doubles = {
          -0.0,
          0.0,
          Double.MIN_VALUE,
          Double.MAX_VALUE,
          Double.POSITIVE_INFINITY,
          Double.NEGATIVE_INFINITY,
          1e22,
          0.1
        };
        return random.nextBoolean()
            ? doubles[random.nextInt(doubles.length)]
            : Double.longBitsToDouble(random.nextLong() & 0x7fefffffffffffffL)
                * (random.nextBoolean() ? 1 : -1);
      case 3:
        return random.nextBoolean();
      case 4:
        return Json.NULL;
      case 5:
        return randomString(random, true);
      case 6:
        List<Object> array = new ArrayList<>();
        for (int n = random.nextInt(5); n > 0; n--) array.add(randomValue(random, depth + 1));
        return array;
      default:
        Map<String, Object> object = new LinkedHashMap<>();
        for (int n = random.nextInt(5); n > 0; n--) {
          // Jackson refuses a lone surrogate in a member name (see jacksonIsLaxerOrStricter...).
          object.put(randomString(random, false), randomValue(random, depth + 1));
        }
        return object;
    }
  }

  private static String randomString(Random random, boolean loneSurrogates) {
    String special = "\"\\/\b\f\n\r\t\u0000\u001f\u007f\u0080\u2028\u2029\ufeff\uffff";
    StringBuilder text = new StringBuilder();
    for (int n = random.nextInt(12); n > 0; n--) {
      switch (random.nextInt(6)) {
        case 0:
          text.append(special.charAt(random.nextInt(special.length())));
          break;
        case 1:
          text.appendCodePoint(0x10000 + random.nextInt(0x100000)); // a surrogate pair
          break;
        case 2:
          if (loneSurrogates) text.append((char) (0xd800 + random.nextInt(0x800)));
          break;
        case 3:
          char c = (char) random.nextInt(0x10000);
          if (loneSurrogates || !Character.isSurrogate(c)) text.append(c);
          break;
        default:
          text.append((char) (' ' + random.nextInt(95)));
      }
    }
    return text.toString();
  }
}
