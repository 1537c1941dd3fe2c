package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import okio.ByteString;
import org.junit.jupiter.api.Test;

final class JwtTest {
  private final ObjectMapper mapper = new ObjectMapper();

  private static String jwt(String payload) {
    return ByteString.encodeUtf8("{\"alg\":\"HS256\"}").base64Url()
        + "."
        + ByteString.encodeUtf8(payload).base64Url().replace("=", "")
        + ".sig";
  }

  @Test
  void readsExpInMilliseconds() {
    assertThat(Jwt.expiresAtMillis(jwt("{\"exp\":1700000000}"), mapper))
        .isEqualTo(1_700_000_000_000L);
  }

  @Test
  void opaqueOrMalformedTokensHaveNoKnownExpiry() {
    assertThat(Jwt.expiresAtMillis("opaque-token", mapper)).isEqualTo(Jwt.UNKNOWN_EXPIRY);
    assertThat(Jwt.expiresAtMillis("a.b", mapper)).isEqualTo(Jwt.UNKNOWN_EXPIRY);
    assertThat(Jwt.expiresAtMillis("a.b.c.d", mapper)).isEqualTo(Jwt.UNKNOWN_EXPIRY);
    assertThat(Jwt.expiresAtMillis("x.!!!.y", mapper)).isEqualTo(Jwt.UNKNOWN_EXPIRY);
    assertThat(Jwt.expiresAtMillis(jwt("not json"), mapper)).isEqualTo(Jwt.UNKNOWN_EXPIRY);
    assertThat(Jwt.expiresAtMillis(jwt("{\"sub\":\"1\"}"), mapper)).isEqualTo(Jwt.UNKNOWN_EXPIRY);
    assertThat(Jwt.expiresAtMillis(jwt("{\"exp\":\"soon\"}"), mapper))
        .isEqualTo(Jwt.UNKNOWN_EXPIRY);
  }

  @Test
  void tokenIsDueForRefreshOnlyInsideTheMargin() {
    String token = jwt("{\"exp\":1000}"); // 1,000,000 ms.
    TokenState state = TokenState.of(token, 0, mapper);
    assertThat(state.expiresSoon(969_999, 30_000)).isFalse();
    assertThat(state.expiresSoon(970_000, 30_000)).isTrue();
    assertThat(state.expiresSoon(1_060_000, 30_000)).isTrue(); // Already expired: still due.
  }

  @Test
  void tokenExpiredOnArrivalIsLeftToTheServer() {
    TokenState state = TokenState.of(jwt("{\"exp\":1000}"), 2_000_000, mapper);
    assertThat(state.expiresSoon(2_000_000, 30_000)).isFalse();
  }
}
