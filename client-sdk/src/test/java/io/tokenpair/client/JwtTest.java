package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import okio.ByteString;
import org.junit.jupiter.api.Test;

final class JwtTest {

  static String jwt(String payload) {
    return ByteString.encodeUtf8("{\"alg\":\"HS256\"}").base64Url()
        + "."
        + ByteString.encodeUtf8(payload).base64Url().replace("=", "")
        + ".sig";
  }

  @Test
  void readsExpAndIatInMilliseconds() {
    Jwt jwt = Jwt.parse(jwt("{\"exp\":1700000000,\"iat\":1699999400}"));
    assertThat(jwt.expiresAtMillis).isEqualTo(1_700_000_000_000L);
    assertThat(jwt.issuedAtMillis).isEqualTo(1_699_999_400_000L);
  }

  @Test
  void opaqueOrMalformedTokensHaveNoKnownTimes() {
    assertThat(Jwt.parse("opaque-token")).isSameAs(Jwt.OPAQUE);
    assertThat(Jwt.parse("a.b")).isSameAs(Jwt.OPAQUE);
    assertThat(Jwt.parse("a.b.c.d")).isSameAs(Jwt.OPAQUE);
    assertThat(Jwt.parse("x.!!!.y")).isSameAs(Jwt.OPAQUE);
    assertThat(Jwt.parse(jwt("not json"))).isSameAs(Jwt.OPAQUE);
    Jwt noTimes = Jwt.parse(jwt("{\"sub\":\"1\"}"));
    assertThat(noTimes.expiresAtMillis).isEqualTo(Jwt.UNKNOWN);
    assertThat(noTimes.issuedAtMillis).isEqualTo(Jwt.UNKNOWN);
    assertThat(Jwt.parse(jwt("{\"exp\":\"soon\"}")).expiresAtMillis).isEqualTo(Jwt.UNKNOWN);
  }

  @Test
  void tokenIsDueForRefreshOnlyInsideTheMargin() {
    String token = jwt("{\"exp\":1000}"); // 1,000,000 ms.
    TokenState state = TokenState.received(token, 0);
    assertThat(state.expiresSoon(969_999, 30_000)).isFalse();
    assertThat(state.expiresSoon(970_000, 30_000)).isTrue();
    assertThat(state.expiresSoon(1_060_000, 30_000)).isTrue(); // Already expired: still due.
  }

  @Test
  void tokenExpiredOnArrivalIsLeftToTheServer() {
    TokenState state = TokenState.received(jwt("{\"exp\":1000}"), 2_000_000);
    assertThat(state.expiresSoon(2_000_000, 30_000)).isFalse();
  }

  @Test
  void lifetimeComesFromIatNotFromArrival() {
    // 600 s token, received 590 s into its life: 10 s left, due with a 30 s margin.
    TokenState old = TokenState.received(jwt("{\"iat\":1000,\"exp\":1600}"), 1_590_000);
    assertThat(old.expiresSoon(1_590_000, 30_000)).isTrue();
    // Without iat the same arrival would count a 10 s lifetime and wait for its last 5 s.
    TokenState noIat = TokenState.received(jwt("{\"exp\":1600}"), 1_590_000);
    assertThat(noIat.expiresSoon(1_590_000, 30_000)).isFalse();
  }

  @Test
  void storedTokenWithoutIatIsDueOnceExpiredOrInsideTheMargin() {
    TokenState stored = TokenState.loaded(jwt("{\"exp\":1000}"), null);
    assertThat(stored.expiresSoon(900_000, 30_000)).isFalse();
    assertThat(stored.expiresSoon(970_000, 30_000)).isTrue();
    assertThat(stored.expiresSoon(5_000_000, 30_000)).isTrue();
  }
}
