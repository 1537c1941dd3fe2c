package io.tokenpair.interop;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import io.tokenpair.demo.TestClock;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import okhttp3.HttpUrl;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.oauth2.server.resource.OAuth2ResourceServerConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.DefaultOAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.authorization.InMemoryOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.OAuth2TokenFormat;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Spring Authorization Server 1.5 on Spring Boot 3.5, in process on {@code 127.0.0.1} and a free
 * port, as an app would configure it, with refresh-token rotation on ({@code
 * reuseRefreshTokens(false)}) and consent off. The same app is the resource server: {@code GET
 * /api/me} takes the access tokens (JWTs signed by the authorization server) and checks their
 * expiry by the {@link TestClock} with no clock skew, answering an expired one with RFC 6750's
 * {@code 401 WWW-Authenticate: Bearer error="invalid_token"}.
 *
 * <p>DPoP (RFC 9449) is on as these versions ship it, with nothing configured: a token request with
 * a {@code DPoP} proof gets an access token bound to the proof's key ({@code cnf.jkt}, {@code
 * token_type} DPoP; the refresh token of a confidential client stays unbound), and the resource
 * server takes {@code Authorization: DPoP} with a proof, refuses a bound token sent as Bearer, and
 * answers an expired one with {@code 401 WWW-Authenticate: DPoP error="invalid_token", ...}. Both
 * check a proof's {@code iat} on the real clock (60 seconds either way). No nonces.
 *
 * <p>A second path, {@code /opaque/**}, takes the opaque access tokens of {@link
 * #OPAQUE_CLIENT_ID}.
 *
 * <p>One confidential client, {@link #CLIENT_ID} (and its twin {@link #OPAQUE_CLIENT_ID}),
 * authenticates with {@code client_secret_basic} or {@code client_secret_post} (the default
 * refresh-token generator of Spring Authorization Server 1.5 issues none to a public client in the
 * code grant), for the authorization-code grant with PKCE and the refresh-token grant. One user,
 * {@link #USERNAME}, signs in through Spring Security's form login.
 *
 * <p>What the tests change: the {@link #clock()} (moved only forward, by the test thread), which
 * stamps {@code iat}, {@code nbf} and {@code exp} of the access tokens (through the token
 * customizer, the seam Spring Authorization Server 1.5 has for it) and decides their expiry at the
 * resource server. Refresh tokens (opaque, one hour) and authorization codes keep Spring's own
 * real-time clock. The resource server validates the JWTs itself rather than asking the
 * introspection endpoint, because introspection decides whether a token is active by Spring's real
 * clock (1.5 has no seam for it) and so would need real waits; the price is that a revoked
 * authorization's access tokens stay valid until they expire, as with any self-contained token.
 * Thread-safe.
 */
final class SpringAuthorizationServer implements AutoCloseable {
  static final String CLIENT_ID = "interop-client";

  /** The same client, but with opaque ({@code REFERENCE}) access tokens. */
  static final String OPAQUE_CLIENT_ID = "interop-opaque-client";

  /** Spring requires each client's secret to be its own. */
  static final String OPAQUE_CLIENT_SECRET = "interop-opaque-secret";

  static final String CLIENT_SECRET = "interop-secret";
  static final String SCOPE = "api.read";
  static final String USERNAME = "alice";
  static final String PASSWORD = "wonderland";

  /** Not a real endpoint: the authorization code is read from the redirect to it. */
  static final String REDIRECT_URI = "http://127.0.0.1/callback";

  static final Duration ACCESS_TOKEN_TTL = Duration.ofMinutes(5);
  static final Duration REFRESH_TOKEN_TTL = Duration.ofHours(1);

  private final ServletWebServerApplicationContext context;
  private final int port;

  private SpringAuthorizationServer(ServletWebServerApplicationContext context) {
    this.context = context;
    this.port = context.getWebServer().getPort();
  }

  /** Starts the server; {@link #close()} stops it. */
  static SpringAuthorizationServer start() {
    ServletWebServerApplicationContext context =
        (ServletWebServerApplicationContext)
            new SpringApplicationBuilder(Config.class)
                .web(WebApplicationType.SERVLET)
                .properties(
                    Map.of(
                        "server.address", "127.0.0.1",
                        "server.port", "0",
                        "spring.main.banner-mode", "off",
                        "spring.main.log-startup-info", "false",
                        "logging.level.root", "WARN",
                        "spring.jmx.enabled", "false"))
                .run();
    return new SpringAuthorizationServer(context);
  }

  /**
   * The authorization server's origin, {@code http://127.0.0.1:port/}: its token endpoint is {@code
   * oauth2/token} there.
   */
  HttpUrl issuer() {
    return new HttpUrl.Builder().scheme("http").host("127.0.0.1").port(port).build();
  }

  /** The token endpoint, {@code http://127.0.0.1:port/oauth2/token}. */
  HttpUrl tokenEndpoint() {
    return issuer().resolve("/oauth2/token");
  }

  /**
   * The API's origin, {@code http://localhost:port/}: the same server, but another origin than the
   * authorization server's, as an API and its identity provider usually are.
   */
  HttpUrl apiBaseUrl() {
    return new HttpUrl.Builder().scheme("http").host("localhost").port(port).build();
  }

  /** The protected resource, {@code GET http://localhost:port/api/me}. */
  HttpUrl protectedResource() {
    return apiBaseUrl().resolve("/api/me");
  }

  /**
   * The protected resource for opaque access tokens, {@code GET http://localhost:port/opaque/me}.
   */
  HttpUrl opaqueProtectedResource() {
    return apiBaseUrl().resolve("/opaque/me");
  }

  TestClock clock() {
    return context.getBean(TestClock.class);
  }

  TokenEndpointRecorder recorder() {
    return context.getBean(TokenEndpointRecorder.class);
  }

  OAuth2AuthorizationService authorizations() {
    return context.getBean(OAuth2AuthorizationService.class);
  }

  @Override
  public void close() {
    context.close();
  }

  /** The Spring application: beans only, no component scan. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import(Config.Api.class)
  static class Config {
    /** The protected resource. */
    @RestController
    static class Api {
      @GetMapping("/api/me")
      Map<String, Object> me(@AuthenticationPrincipal Jwt jwt) {
        return Map.of("sub", jwt.getSubject());
      }

      @GetMapping("/opaque/me")
      Map<String, Object> opaqueMe(
          @AuthenticationPrincipal OAuth2AuthenticatedPrincipal principal) {
        return Map.of("sub", principal.getName());
      }
    }

    @Bean
    @Order(1)
    SecurityFilterChain authorizationServerChain(HttpSecurity http) throws Exception {
      OAuth2AuthorizationServerConfigurer authorizationServer =
          OAuth2AuthorizationServerConfigurer.authorizationServer();
      http.securityMatcher(authorizationServer.getEndpointsMatcher())
          .with(authorizationServer, Customizer.withDefaults())
          .authorizeHttpRequests(authorize -> authorize.anyRequest().authenticated())
          .exceptionHandling(
              exceptions ->
                  exceptions.authenticationEntryPoint(
                      new LoginUrlAuthenticationEntryPoint("/login")));
      return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain resourceServerChain(HttpSecurity http) throws Exception {
      return statelessResource(
          http, "/api/**", resourceServer -> resourceServer.jwt(Customizer.withDefaults()));
    }

    /**
     * Opaque access tokens, looked up in the authorization service (what the introspection endpoint
     * does, without the HTTP round trip): active by Spring's real clock.
     */
    @Bean
    @Order(3)
    SecurityFilterChain opaqueResourceServerChain(
        HttpSecurity http, OAuth2AuthorizationService authorizations) throws Exception {
      OpaqueTokenIntrospector introspector =
          token -> {
            OAuth2Authorization authorization =
                authorizations.findByToken(token, OAuth2TokenType.ACCESS_TOKEN);
            if (authorization == null || !authorization.getAccessToken().isActive()) {
              throw new BadOpaqueTokenException("The token is not active.");
            }
            return new DefaultOAuth2AuthenticatedPrincipal(
                authorization.getPrincipalName(),
                Map.of("sub", authorization.getPrincipalName()),
                List.of());
          };
      return statelessResource(
          http,
          "/opaque/**",
          resourceServer -> resourceServer.opaqueToken(o -> o.introspector(introspector)));
    }

    /** Bearer tokens only at {@code pattern}: no session, no CSRF token. */
    private static SecurityFilterChain statelessResource(
        HttpSecurity http,
        String pattern,
        Customizer<OAuth2ResourceServerConfigurer<HttpSecurity>> tokens)
        throws Exception {
      http.securityMatcher(pattern)
          .authorizeHttpRequests(authorize -> authorize.anyRequest().authenticated())
          .oauth2ResourceServer(tokens)
          .sessionManagement(
              session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
          .csrf(csrf -> csrf.disable());
      return http.build();
    }

    @Bean
    @Order(4)
    SecurityFilterChain loginChain(HttpSecurity http) throws Exception {
      http.authorizeHttpRequests(authorize -> authorize.anyRequest().authenticated())
          .formLogin(Customizer.withDefaults());
      return http.build();
    }

    @Bean
    TestClock testClock() {
      // Real time to start with (authorization codes and refresh tokens keep Spring's own clock),
      // in whole seconds as JWT times are.
      return new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    @Bean
    TokenEndpointRecorder tokenEndpointRecorder() {
      return new TokenEndpointRecorder();
    }

    @Bean
    FilterRegistrationBean<TokenEndpointRecorder> tokenEndpointRecorderRegistration(
        TokenEndpointRecorder recorder) {
      FilterRegistrationBean<TokenEndpointRecorder> registration =
          new FilterRegistrationBean<>(recorder);
      registration.addUrlPatterns("/oauth2/token", TokenEndpointRecorder.REVOCATION_PATH);
      registration.setOrder(Ordered.HIGHEST_PRECEDENCE); // before Spring Security's filters
      return registration;
    }

    @Bean
    RegisteredClientRepository registeredClientRepository() {
      return new InMemoryRegisteredClientRepository(
          client(CLIENT_ID, CLIENT_SECRET, OAuth2TokenFormat.SELF_CONTAINED),
          client(OPAQUE_CLIENT_ID, OPAQUE_CLIENT_SECRET, OAuth2TokenFormat.REFERENCE));
    }

    private static RegisteredClient client(
        String clientId, String clientSecret, OAuth2TokenFormat accessTokenFormat) {
      return RegisteredClient.withId(UUID.randomUUID().toString())
          .clientId(clientId)
          .clientSecret("{noop}" + clientSecret)
          .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
          .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
          .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
          .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
          .redirectUri(REDIRECT_URI)
          .scope(SCOPE)
          .clientSettings(
              ClientSettings.builder()
                  .requireAuthorizationConsent(false)
                  .requireProofKey(true)
                  .build())
          .tokenSettings(
              TokenSettings.builder()
                  .accessTokenFormat(accessTokenFormat)
                  .accessTokenTimeToLive(ACCESS_TOKEN_TTL)
                  .refreshTokenTimeToLive(REFRESH_TOKEN_TTL)
                  .reuseRefreshTokens(false)
                  .build())
          .build();
    }

    @Bean
    OAuth2AuthorizationService authorizationService() {
      return new InMemoryOAuth2AuthorizationService();
    }

    @Bean
    UserDetailsService users() {
      return new InMemoryUserDetailsManager(
          User.withUsername(USERNAME).password("{noop}" + PASSWORD).roles("USER").build());
    }

    @Bean
    AuthorizationServerSettings authorizationServerSettings() {
      return AuthorizationServerSettings.builder().build();
    }

    @Bean
    KeyPair signingKeys() throws NoSuchAlgorithmException {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    }

    @Bean
    JWKSource<SecurityContext> jwkSource(KeyPair signingKeys) {
      RSAKey key =
          new RSAKey.Builder((RSAPublicKey) signingKeys.getPublic())
              .privateKey(signingKeys.getPrivate())
              .keyID(UUID.randomUUID().toString())
              .build();
      return new ImmutableJWKSet<>(new JWKSet(key));
    }

    /** Access tokens stamped by the test clock. */
    @Bean
    OAuth2TokenCustomizer<JwtEncodingContext> accessTokenTimes(TestClock clock) {
      return context -> {
        if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) return;
        Instant now = clock.instant();
        Duration ttl = context.getRegisteredClient().getTokenSettings().getAccessTokenTimeToLive();
        context.getClaims().issuedAt(now).notBefore(now).expiresAt(now.plus(ttl));
      };
    }

    /** The resource server: signature, expiry by the test clock without skew, audience. */
    @Bean
    JwtDecoder jwtDecoder(KeyPair signingKeys, TestClock clock) {
      NimbusJwtDecoder decoder =
          NimbusJwtDecoder.withPublicKey((RSAPublicKey) signingKeys.getPublic()).build();
      JwtTimestampValidator expiry = new JwtTimestampValidator(Duration.ZERO);
      expiry.setClock(clock);
      OAuth2TokenValidator<Jwt> audience =
          new JwtClaimValidator<List<String>>("aud", aud -> aud != null && aud.contains(CLIENT_ID));
      decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(expiry, audience));
      return decoder;
    }
  }
}
