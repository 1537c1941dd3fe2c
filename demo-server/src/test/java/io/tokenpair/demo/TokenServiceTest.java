package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenServiceTest {
  private final TestClock clock = new TestClock();
  private final TokenService tokens =
      new TokenService(Harness.ACCESS_SECRET, Harness.REFRESH_SECRET, clock);

  private Instant inMinutes(long minutes) {
    return clock.instant().plus(Duration.ofMinutes(minutes));
  }

  private String validAccess() {
    return tokens.issueAccess("1", "demo", "sid-1", inMinutes(15));
  }

  /** An access-shaped token with every check satisfied except what {@code build} changes. */
  private static JWTCreatorSpec accessSpec() {
    return new JWTCreatorSpec();
  }

  private static final class JWTCreatorSpec {
    String typ = TokenService.ACCESS_TYPE;
    String iss = TokenService.ISSUER;
    String aud = TokenService.ACCESS_AUDIENCE;
    boolean withExp = true;

    String sign(Algorithm algorithm, Instant exp) {
      var b =
          JWT.create()
              .withHeader(Map.of("typ", typ))
              .withIssuer(iss)
              .withAudience(aud)
              .withSubject("1")
              .withClaim("name", "demo")
              .withClaim("sid", "sid-1")
              .withJWTId("jti-1");
      if (withExp) b.withExpiresAt(exp);
      return b.sign(algorithm);
    }
  }

  @Test
  void issuedAccessTokenVerifiesWithItsClaims() throws Exception {
    var claims = tokens.verifyAccess(validAccess());
    assertThat(claims.subject()).isEqualTo("1");
    assertThat(claims.username()).isEqualTo("demo");
    assertThat(claims.sid()).isEqualTo("sid-1");
    assertThat(claims.jti()).isNotBlank();
  }

  @Test
  void tokensCarryTheirTypeHeaderAndAudience() {
    var access = JWT.decode(validAccess());
    var refresh = JWT.decode(tokens.issueRefresh("1", "sid-1", "jti-1", 7, inMinutes(60)));
    assertThat(access.getType()).isEqualTo("at+jwt");
    assertThat(access.getAlgorithm()).isEqualTo("HS256");
    assertThat(access.getAudience()).containsExactly("tokenpair-api");
    assertThat(refresh.getType()).isEqualTo("rt+jwt");
    assertThat(refresh.getAudience()).containsExactly("tokenpair-refresh");
    assertThat(refresh.getId()).isEqualTo("jti-1");
  }

  @Test
  void refreshTokenCarriesItsGeneration() throws Exception {
    var claims = tokens.verifyRefresh(tokens.issueRefresh("1", "sid-1", "jti-1", 7, inMinutes(60)));
    assertThat(claims.generation()).isEqualTo(7);
    assertThat(claims.jti()).isEqualTo("jti-1");
    assertThat(claims.sid()).isEqualTo("sid-1");
  }

  @Test
  void refreshTokenWithoutGenerationIsOfUnknownGeneration() throws Exception {
    var claims = tokens.verifyRefresh(refreshWithGeneration(null));
    assertThat(claims.generation()).isEqualTo(SessionStore.UNKNOWN_GENERATION);
  }

  @Test
  void refreshTokenWithANegativeOrNonNumericGenerationIsInvalid() {
    for (var gen : new Object[] {-1L, "3", true}) {
      assertThatThrownBy(() -> tokens.verifyRefresh(refreshWithGeneration(gen)))
          .as("gen %s", gen)
          .isInstanceOf(TokenService.InvalidTokenException.class)
          .hasMessage("The token is invalid.");
    }
  }

  /** A refresh token signed with the right key whose {@code gen} is {@code gen}, or none. */
  private String refreshWithGeneration(Object gen) {
    var b =
        JWT.create()
            .withHeader(Map.of("typ", TokenService.REFRESH_TYPE))
            .withIssuer(TokenService.ISSUER)
            .withAudience(TokenService.REFRESH_AUDIENCE)
            .withSubject("1")
            .withClaim("sid", "sid-1")
            .withJWTId("jti-1")
            .withExpiresAt(inMinutes(60));
    if (gen instanceof Long n) b.withClaim(TokenService.GENERATION, n);
    if (gen instanceof String text) b.withClaim(TokenService.GENERATION, text);
    if (gen instanceof Boolean flag) b.withClaim(TokenService.GENERATION, flag);
    return b.sign(Algorithm.HMAC256(Harness.REFRESH_SECRET));
  }

  @Test
  void algNoneIsRejected() {
    var forged = accessSpec().sign(Algorithm.none(), inMinutes(15));
    assertThat(forged).endsWith(".");
    assertThatThrownBy(() -> tokens.verifyAccess(forged))
        .isInstanceOf(TokenService.InvalidTokenException.class);
  }

  @Test
  void hs512WithTheRightKeyIsRejected() {
    var other = accessSpec().sign(Algorithm.HMAC512(Harness.ACCESS_SECRET), inMinutes(15));
    assertThatThrownBy(() -> tokens.verifyAccess(other))
        .isInstanceOf(TokenService.InvalidTokenException.class);
  }

  @Test
  void flippedSignatureBitIsRejected() {
    var token = validAccess();
    var dot = token.lastIndexOf('.');
    var signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    signature[0] ^= 1;
    var tampered =
        token.substring(0, dot + 1)
            + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    assertThatThrownBy(() -> tokens.verifyAccess(tampered))
        .isInstanceOf(TokenService.InvalidTokenException.class)
        .hasMessage("The token is invalid.");
  }

  @Test
  void refreshTokenIsNotAnAccessToken() {
    var rt = tokens.issueRefresh("1", "sid-1", "jti-1", 7, inMinutes(60));
    assertThatThrownBy(() -> tokens.verifyAccess(rt))
        .isInstanceOf(TokenService.InvalidTokenException.class);
  }

  @Test
  void accessTokenIsNotARefreshToken() {
    assertThatThrownBy(() -> tokens.verifyRefresh(validAccess()))
        .isInstanceOf(TokenService.InvalidTokenException.class);
  }

  @Test
  void typHeaderIsCheckedEvenWithTheRightKeyAndAudience() {
    var spec = accessSpec();
    spec.typ = "JWT";
    var token = spec.sign(Algorithm.HMAC256(Harness.ACCESS_SECRET), inMinutes(15));
    assertThatThrownBy(() -> tokens.verifyAccess(token))
        .isInstanceOf(TokenService.InvalidTokenException.class)
        .hasMessage("Wrong token type.");
  }

  @Test
  void foreignIssuerIsRejected() {
    var spec = accessSpec();
    spec.iss = "someone-else";
    var token = spec.sign(Algorithm.HMAC256(Harness.ACCESS_SECRET), inMinutes(15));
    assertThatThrownBy(() -> tokens.verifyAccess(token))
        .isInstanceOf(TokenService.InvalidTokenException.class);
  }

  @Test
  void refreshAudienceOnAnAccessTokenIsRejected() {
    var spec = accessSpec();
    spec.aud = TokenService.REFRESH_AUDIENCE;
    var token = spec.sign(Algorithm.HMAC256(Harness.ACCESS_SECRET), inMinutes(15));
    assertThatThrownBy(() -> tokens.verifyAccess(token))
        .isInstanceOf(TokenService.InvalidTokenException.class);
  }

  @Test
  void tokenWithoutExpIsRejected() {
    var spec = accessSpec();
    spec.withExp = false;
    var token = spec.sign(Algorithm.HMAC256(Harness.ACCESS_SECRET), null);
    assertThatThrownBy(() -> tokens.verifyAccess(token))
        .isInstanceOf(TokenService.InvalidTokenException.class);
  }

  @Test
  void expiredWithinTheLeewayIsStillAccepted() throws Exception {
    var token = tokens.issueAccess("1", "demo", "sid-1", clock.instant().plusSeconds(10));
    clock.advance(Duration.ofSeconds(10 + TokenService.LEEWAY_SECONDS - 1));
    assertThat(tokens.verifyAccess(token).sid()).isEqualTo("sid-1");
  }

  @Test
  void expiredBeyondTheLeewayIsReportedAsExpired() {
    var token = tokens.issueAccess("1", "demo", "sid-1", clock.instant().plusSeconds(10));
    clock.advance(Duration.ofSeconds(10 + TokenService.LEEWAY_SECONDS + 1));
    assertThatThrownBy(() -> tokens.verifyAccess(token))
        .isInstanceOfSatisfying(
            TokenService.InvalidTokenException.class, e -> assertThat(e.expired()).isTrue());
  }

  @Test
  void garbageIsInvalidNotExpired() {
    for (var garbage : new String[] {"", "abc", "a.b.c", "eyJ.eyJ.", "....."}) {
      assertThatThrownBy(() -> tokens.verifyAccess(garbage))
          .isInstanceOfSatisfying(
              TokenService.InvalidTokenException.class, e -> assertThat(e.expired()).isFalse());
    }
  }
}
