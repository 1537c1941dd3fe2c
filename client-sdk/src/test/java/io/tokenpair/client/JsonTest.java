package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonPointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import org.junit.jupiter.api.Test;

final class JsonTest {
  private static Object parse(String json) throws IOException {
    return Json.parse(json.getBytes(StandardCharsets.UTF_8));
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
    assertThat(Json.number(Json.get(root, "expires_in"))).isEqualTo(3599L);
    assertThat(Json.number(Json.get(root, "big"))).isInstanceOf(Double.class);
    assertThat(Json.get(Collections.emptyList(), "x")).isSameAs(Json.MISSING);
  }

  @Test
  void refusesDeepNestingTrailingDataAndNeverQuotesTheInput() {
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i <= Json.MAX_DEPTH; i++) deep.append('[');
    assertThatThrownBy(() -> parse(deep.toString())).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> parse("{\"a\":1} {\"b\":2}"))
        .hasMessage("Trailing data after the JSON value.");
    assertThatThrownBy(() -> parse("")).hasMessage("No JSON value.");
    assertThatThrownBy(() -> parse("{\"access_token\":\"secret-token\" oops}"))
        .isInstanceOf(IOException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-token"));
  }
}
