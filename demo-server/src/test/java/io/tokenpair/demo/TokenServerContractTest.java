package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import okhttp3.Credentials;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One scenario list, run against the real {@link DemoServer} and against {@code
 * TokenServerDispatcher} on a MockWebServer, both with a 10 s rotation grace and a clock that moves
 * only when told: every answer must have the same status, {@code error} code, {@code
 * error_description} (of the token endpoint's RFC 6749 §5.2 errors), {@code WWW-Authenticate},
 * {@code Cache-Control}, {@code Pragma}, {@code Retry-After}, {@code rt} cookie attributes, and a
 * {@code Date} (whose value is not compared: the JDK's server stamps the real time over the test
 * clock). The token-endpoint scenarios run with the password grant on, the others with it off.
 */
@Timeout(60)
final class TokenServerContractTest {
  private static final Duration GRACE = Duration.ofSeconds(10);
  private static final MediaType JSON = MediaType.get("application/json");
  private static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded");
  private static final String PASSWORD_GRANT =
      "grant_type=password&username=demo&password=demo-password";
  private static final String LOGIN = "{\"username\":\"demo\",\"password\":\"demo-password\"}";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final OkHttpClient CLIENT =
      new OkHttpClient.Builder().retryOnConnectionFailure(false).build();

  @AfterAll
  static void closeClient() {
    CLIENT.dispatcher().executorService().shutdown();
    CLIENT.connectionPool().evictAll();
  }

  /**
   * How both servers are set up: the expired status, the password grant, DPoP ({@code --dpop
   * required} and {@code Builder.dpop()}) and nonces ({@code --dpop-nonce on} and {@code
   * Builder.requireDpopNonce()}).
   */
  record Setup(int expiredStatus, boolean passwordGrant, boolean dpop, boolean nonce) {
    Setup(int expiredStatus, boolean passwordGrant) {
      this(expiredStatus, passwordGrant, false, false);
    }
  }

  /** A token server under test: the demo server or the dispatcher. */
  private interface Target extends AutoCloseable {
    String url(String path);

    void advance(Duration duration);

    /** The target's clock, in epoch seconds, for a proof's {@code iat}. */
    long epochSecond();

    /**
     * Moves the clock by the demo server's nonce lifetime, after which both serve a new nonce (the
     * dispatcher rotates its own when told).
     */
    void rotateNonce();

    @Override
    void close();
  }

  private static final class DemoTarget implements Target {
    private final Harness harness;

    DemoTarget(Setup setup) {
      harness =
          new Harness(
              b ->
                  b.rotationGrace(GRACE)
                      .expiredStatus(setup.expiredStatus())
                      .passwordGrant(setup.passwordGrant())
                      .dpop(setup.dpop() ? DemoConfig.DpopMode.REQUIRED : DemoConfig.DpopMode.OFF)
                      .dpopNonce(setup.nonce()));
    }

    @Override
    public long epochSecond() {
      return harness.clock.instant().getEpochSecond();
    }

    @Override
    public void rotateNonce() {
      harness.clock.advance(DpopVerifier.NONCE_LIFETIME);
    }

    @Override
    public String url(String path) {
      return harness.url(path);
    }

    @Override
    public void advance(Duration duration) {
      harness.clock.advance(duration);
    }

    @Override
    public void close() {
      harness.close();
    }
  }

  private static final class DispatcherTarget implements Target {
    private final TestClock clock = new TestClock();
    private final MockWebServer server = new MockWebServer();
    private final TokenServerDispatcher dispatcher;

    DispatcherTarget(Setup setup) {
      var builder =
          TokenServerDispatcher.builder()
              .clock(clock)
              .expiredStatus(setup.expiredStatus())
              .rotationGrace(GRACE.toMillis(), TimeUnit.MILLISECONDS);
      if (setup.passwordGrant()) builder.passwordGrant();
      if (setup.dpop()) builder.dpop();
      if (setup.nonce()) builder.requireDpopNonce();
      dispatcher = builder.build();
      server.setDispatcher(dispatcher);
      try {
        server.start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String url(String path) {
      return server.url(path).toString();
    }

    @Override
    public void advance(Duration duration) {
      clock.advance(duration);
    }

    @Override
    public long epochSecond() {
      return clock.instant().getEpochSecond();
    }

    @Override
    public void rotateNonce() {
      clock.advance(DpopVerifier.NONCE_LIFETIME);
      dispatcher.rotateDpopNonce();
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /**
   * What the contract compares of one answer. {@code cookie} is the {@code rt} Set-Cookie with its
   * value reduced to {@code <token>} or empty and its attributes sorted, or null; {@code
   * errorDescription} is {@linkplain #withoutSwitch without the hint} that names a switch; {@code
   * message} is the envelope's; {@code dpopNonce} whether a {@code DPoP-Nonce} came (its value is
   * random on each side).
   */
  record Observation(
      String step,
      int status,
      String error,
      String errorDescription,
      String message,
      String tokenType,
      String wwwAuthenticate,
      String cacheControl,
      String pragma,
      String retryAfter,
      String cookie,
      boolean dpopNonce,
      boolean dated) {}

  /** An answer: its status, JSON body (or null) and {@code rt} cookie value (or null). */
  record Answer(int status, JsonNode body, String rt) {
    String accessToken() {
      return body.at("/data/access_token").asText();
    }

    /** The pair of a token-endpoint answer (RFC 6749 §5.1, no envelope). */
    Pair tokenPair() {
      return new Pair(body.get("access_token").asText(), body.get("refresh_token").asText());
    }
  }

  /** The pair a login or refresh returned. */
  record Pair(String accessToken, String rt) {}

  /** Runs steps against one target and records what each answer showed. */
  static final class Run {
    private final Target target;
    final List<Observation> seen = new ArrayList<>();
    final List<String> unexpected = new ArrayList<>();

    /** The client's DPoP key. */
    final DpopKey key = new DpopKey();

    /** The last {@code DPoP-Nonce} the target sent, or null. */
    String nonce;

    Run(Target target) {
      this.target = target;
    }

    void advance(Duration duration) {
      target.advance(duration);
    }

    Answer call(String step, int expected, Request.Builder request) {
      try (Response response = CLIENT.newCall(request.build()).execute()) {
        String text = response.body().string();
        JsonNode body = text.isEmpty() ? null : MAPPER.readTree(text);
        String setCookie = response.header("Set-Cookie");
        seen.add(
            new Observation(
                step,
                response.code(),
                text(body, "error"),
                withoutSwitch(text(body, "error_description")),
                text(body, "message"),
                text(body, "token_type"),
                response.header("WWW-Authenticate"),
                response.header("Cache-Control"),
                response.header("Pragma"),
                response.header("Retry-After"),
                normalized(setCookie),
                response.header("DPoP-Nonce") != null,
                response.header("Date") != null));
        if (response.header("DPoP-Nonce") != null) nonce = response.header("DPoP-Nonce");
        if (response.code() != expected) {
          unexpected.add(step + ": expected " + expected + ", got " + response.code());
        }
        return new Answer(response.code(), body, rtValue(setCookie));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    Request.Builder request(String path) {
      return new Request.Builder().url(target.url(path));
    }

    Answer login(String step, int expected, String contentType, String body) {
      return call(
          step,
          expected,
          request("/auth/login").post(RequestBody.create(body, MediaType.get(contentType))));
    }

    Pair login() {
      Answer answer = login("login", 200, "application/json", LOGIN);
      return new Pair(answer.accessToken(), answer.rt());
    }

    /** A refresh sending each of {@code rts} as an {@code rt} cookie, in one Cookie header. */
    Answer refresh(String step, int expected, String... rts) {
      Request.Builder request = request("/auth/refresh").post(RequestBody.create(new byte[0]));
      if (rts.length > 0) {
        StringBuilder cookie = new StringBuilder();
        for (String rt : rts) cookie.append(cookie.length() == 0 ? "" : "; ").append("rt=" + rt);
        request.header("Cookie", cookie.toString());
      }
      return call(step, expected, request);
    }

    Pair refreshPair(String step, String rt) {
      Answer answer = refresh(step, 200, rt);
      return new Pair(answer.accessToken(), answer.rt());
    }

    Answer logout(String step, String rt, String accessToken) {
      Request.Builder request = request("/auth/logout").post(RequestBody.create(new byte[0]));
      if (rt != null) request.header("Cookie", "rt=" + rt);
      if (accessToken != null) request.header("Authorization", "Bearer " + accessToken);
      return call(step, 204, request);
    }

    /** {@code GET /api/me} with each of {@code authorizations} as an Authorization header. */
    Answer me(String step, int expected, String... authorizations) {
      Request.Builder request = request("/api/me");
      for (String authorization : authorizations) request.addHeader("Authorization", authorization);
      return call(step, expected, request);
    }

    Answer me(String step, int expected, Pair pair) {
      return me(step, expected, "Bearer " + pair.accessToken());
    }

    /** {@code POST /oauth/token} with {@code form}, form-encoded. */
    Answer token(String step, int expected, String form) {
      return call(step, expected, tokenRequest(form));
    }

    Request.Builder tokenRequest(String form) {
      return request("/oauth/token").post(RequestBody.create(form, FORM));
    }

    /** A successful {@code grant_type=password} for the demo user. */
    Pair passwordGrant(String step) {
      return token(step, 200, PASSWORD_GRANT).tokenPair();
    }

    Answer refreshGrant(String step, int expected, String refreshToken) {
      return token(step, expected, "grant_type=refresh_token&refresh_token=" + refreshToken);
    }

    Pair refreshGrantPair(String step, String refreshToken) {
      return refreshGrant(step, 200, refreshToken).tokenPair();
    }

    void rotateNonce() {
      target.rotateNonce();
    }

    /** A proof by {@code key} for {@code method} at {@code path}, now, with the last nonce. */
    DpopKey.Proof proof(DpopKey key, String method, String path) {
      return key.proof(method, target.url(path), target.epochSecond()).nonce(nonce);
    }

    DpopKey.Proof proof(String method, String path) {
      return proof(key, method, path);
    }

    /** {@code POST path} with {@code form} and, unless null, the DPoP proof {@code proof}. */
    Answer post(String step, int expected, String path, String form, String proof) {
      Request.Builder request = request(path).post(RequestBody.create(form, FORM));
      if (proof != null) request.header("DPoP", proof);
      return call(step, expected, request);
    }

    /** A token request with a fresh proof of the run's key. */
    Answer dpopToken(String step, int expected, String form) {
      return post(step, expected, "/oauth/token", form, proof("POST", "/oauth/token").sign());
    }

    /** {@code GET /api/me} with {@code DPoP <accessToken>} and {@code proof} (or none). */
    Answer dpopMe(String step, int expected, String accessToken, String proof) {
      Request.Builder request = request("/api/me").header("Authorization", "DPoP " + accessToken);
      if (proof != null) request.header("DPoP", proof);
      return call(step, expected, request);
    }

    /** {@code GET /api/me} with a fresh proof of the run's key for {@code accessToken}. */
    Answer dpopMe(String step, int expected, String accessToken) {
      return dpopMe(
          step, expected, accessToken, proof("GET", "/api/me").accessToken(accessToken).sign());
    }
  }

  /**
   * A description without its closing hint in parentheses, which names each side's own switch
   * ({@code --password-grant on}, {@code Builder.passwordGrant()}).
   */
  static String withoutSwitch(String description) {
    if (description == null || !description.endsWith(").")) return description;
    int open = description.lastIndexOf(" (");
    return open < 0 ? description : description.substring(0, open) + ".";
  }

  private static String text(JsonNode body, String field) {
    return body == null || !body.has(field) ? null : body.get(field).asText();
  }

  static String rtValue(String setCookie) {
    if (setCookie == null || !setCookie.startsWith("rt=")) return null;
    int end = setCookie.indexOf(';');
    return setCookie.substring(3, end < 0 ? setCookie.length() : end);
  }

  static String normalized(String setCookie) {
    if (setCookie == null) return null;
    String[] parts = setCookie.split(";");
    String name = parts[0].substring(0, parts[0].indexOf('=') + 1);
    String value = rtValue(setCookie);
    TreeSet<String> attributes = new TreeSet<>();
    for (int i = 1; i < parts.length; i++) attributes.add(parts[i].trim());
    return name + (value == null || value.isEmpty() ? "" : "<token>") + " " + attributes;
  }

  @FunctionalInterface
  interface Steps {
    void run(Run run);
  }

  /** A named list of steps; the name is the test's display name. */
  record Scenario(String name, Steps steps) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Scenario> scenarios() {
    return Stream.of(
        new Scenario(
            "login issues a pair that opens the API",
            run -> {
              Pair pair = run.login();
              run.me("me", 200, pair);
            }),
        new Scenario(
            "login over a TLS proxy sets a Secure cookie",
            run ->
                run.call(
                    "login https",
                    200,
                    run.request("/auth/login")
                        .header("X-Forwarded-Proto", "https")
                        .post(RequestBody.create(LOGIN, JSON)))),
        new Scenario(
            "login with JSON escapes reads the unescaped password",
            run ->
                run.login(
                    "escaped",
                    200,
                    "application/json",
                    "{\"username\":\"d\\u0065mo\",\"password\":\"demo\\u002dpassword\"}")),
        new Scenario(
            "wrong password",
            run ->
                run.login(
                    "wrong",
                    401,
                    "application/json",
                    "{\"username\":\"demo\",\"password\":\"wrong\"}")),
        new Scenario(
            "failed logins are throttled per account",
            run -> {
              String wrong = "{\"username\":\"demo\",\"password\":\"wrong\"}";
              for (int i = 1; i <= 5; i++) run.login("wrong " + i, 401, "application/json", wrong);
              run.advance(Duration.ofMinutes(5));
              run.login("throttled", 429, "application/json", LOGIN);
              run.login(
                  "other account",
                  401,
                  "application/json",
                  "{\"username\":\"other\",\"password\":\"wrong\"}");
              run.login(
                  "case-insensitive",
                  429,
                  "application/json",
                  "{\"username\":\"DEMO\",\"password\":\"wrong\"}");
              run.advance(Duration.ofMinutes(10));
              run.login("after the window", 200, "application/json", LOGIN);
            }),
        new Scenario(
            "failed logins are throttled per client",
            run -> {
              for (int i = 1; i <= 20; i++) {
                String body = "{\"username\":\"user" + i + "\",\"password\":\"wrong\"}";
                run.login("wrong " + i, 401, "application/json", body);
              }
              run.login("throttled", 429, "application/json", LOGIN);
            }),
        new Scenario(
            "the throttle window starts at the first failure, not at an earlier success",
            run -> {
              run.login();
              run.advance(Duration.ofMinutes(5));
              for (int i = 1; i <= 20; i++) {
                String body = "{\"username\":\"user" + i + "\",\"password\":\"wrong\"}";
                run.login("wrong " + i, 401, "application/json", body);
              }
              run.advance(Duration.ofMinutes(1));
              run.login("throttled for the rest of the window", 429, "application/json", LOGIN);
            }),
        new Scenario(
            "bad login bodies",
            run -> {
              run.login("malformed", 400, "application/json", "{\"username\":\"demo\",");
              run.login("array", 400, "application/json", "[]");
              run.login("empty", 400, "application/json", "");
              run.login("missing field", 400, "application/json", "{\"username\":\"demo\"}");
              run.login(
                  "empty field",
                  400,
                  "application/json",
                  "{\"username\":\"demo\",\"password\":\"\"}");
              run.login(
                  "number field",
                  400,
                  "application/json",
                  "{\"username\":\"demo\",\"password\":1}");
              run.login(
                  "duplicate key",
                  400,
                  "application/json",
                  "{\"username\":\"demo\",\"password\":\"x\",\"password\":\"demo-password\"}");
              run.login("trailing data", 400, "application/json", LOGIN + " {}");
              run.login("text body", 415, "text/plain", LOGIN);
              char[] big = new char[Http.MAX_BODY_BYTES + 1];
              Arrays.fill(big, ' ');
              run.login("too large", 413, "application/json", LOGIN + new String(big));
            }),
        new Scenario(
            "auth endpoints accept only POST",
            run -> {
              run.call("GET login", 405, run.request("/auth/login"));
              run.call("GET refresh", 405, run.request("/auth/refresh"));
            }),
        new Scenario(
            "refresh rotates and never extends the family",
            run -> {
              Pair first = run.login();
              run.advance(Duration.ofHours(1));
              Pair second = run.refreshPair("refresh", first.rt());
              run.me("new token", 200, second);
              run.me("old token expired", 401, first);
            }),
        new Scenario(
            "rotation leaves the previous access token valid",
            run -> {
              Pair first = run.login();
              run.refreshPair("refresh", first.rt());
              run.me("old token", 200, first);
            }),
        new Scenario(
            "refresh without a cookie",
            run -> {
              run.refresh("no cookie", 401);
              run.refresh("empty cookie", 401, "");
            }),
        new Scenario(
            "two rt cookies consume nothing",
            run -> {
              Pair pair = run.login();
              run.refresh("two cookies", 400, pair.rt(), pair.rt());
              run.refresh("then one", 200, pair.rt());
            }),
        new Scenario(
            "garbage or wrong-kind refresh tokens",
            run -> {
              Pair pair = run.login();
              run.refresh("garbage", 401, "not-a-token");
              run.refresh("access token as rt", 401, pair.accessToken());
              run.refresh("quoted", 200, "\"" + pair.rt() + "\"");
            }),
        new Scenario(
            "grace retry reissues the current pair",
            run -> {
              Pair first = run.login();
              Pair second = run.refreshPair("rotate", first.rt());
              run.advance(Duration.ofSeconds(5));
              Pair retried = run.refreshPair("grace retry", first.rt());
              run.advance(Duration.ofSeconds(11));
              run.refresh("the lost answer's token is still current", 200, second.rt());
              run.advance(Duration.ofSeconds(11));
              run.refresh("the retried token's jti is consumed", 401, retried.rt());
              run.me("the session ended", 401, second);
            }),
        new Scenario(
            "grace ends after its window, inclusive",
            run -> {
              Pair first = run.login();
              run.refreshPair("rotate", first.rt());
              run.advance(GRACE);
              run.refresh("at the edge", 200, first.rt());
              run.advance(Duration.ofSeconds(1));
              run.refresh("beyond", 401, first.rt());
            }),
        new Scenario(
            "reuse revokes the family",
            run -> {
              Pair first = run.login();
              Pair second = run.refreshPair("rotate", first.rt());
              run.advance(Duration.ofSeconds(11));
              run.refresh("reuse", 401, first.rt());
              run.refresh("the successor", 401, second.rt());
              run.me("its access token", 401, second);
              run.logout("logout after reuse", second.rt(), null);
            }),
        new Scenario(
            "logout with the cookie ends the session",
            run -> {
              Pair pair = run.login();
              run.logout("logout", pair.rt(), null);
              run.me("access token", 401, pair);
              run.refresh("refresh token", 401, pair.rt());
            }),
        new Scenario(
            "logout with the bearer ends the session",
            run -> {
              Pair pair = run.login();
              run.logout("logout", null, pair.accessToken());
              run.refresh("refresh token", 401, pair.rt());
            }),
        new Scenario(
            "logout with an already rotated cookie ends the session",
            run -> {
              Pair first = run.login();
              Pair second = run.refreshPair("rotate", first.rt());
              run.logout("logout", first.rt(), null);
              run.me("access token", 401, second);
            }),
        new Scenario(
            "logout without credentials",
            run -> {
              run.logout("nothing", null, null);
              run.call(
                  "two cookies",
                  400,
                  run.request("/auth/logout")
                      .header("Cookie", "rt=a; rt=b")
                      .post(RequestBody.create(new byte[0])));
            }),
        new Scenario(
            "access token expires after its lifetime and the leeway",
            run -> {
              Pair pair = run.login();
              run.advance(Duration.ofMinutes(15).plusSeconds(4));
              run.me("within leeway", 200, pair);
              run.advance(Duration.ofSeconds(1));
              run.me("expired", 401, pair);
              run.refresh("refresh still works", 200, pair.rt());
            }),
        new Scenario(
            "the family expires at its fixed end",
            run -> {
              Pair pair = run.login();
              run.advance(Duration.ofDays(15).minusSeconds(1));
              Pair last = run.refreshPair("last second", pair.rt());
              run.advance(Duration.ofSeconds(1));
              run.refresh("at the end", 401, last.rt());
              run.advance(Duration.ofSeconds(10));
              run.refresh("beyond the leeway", 401, last.rt());
            }),
        new Scenario(
            "bad bearer headers",
            run -> {
              Pair pair = run.login();
              run.me("none", 401);
              run.me("other scheme", 401, "Basic ZGVtbzpkZW1v");
              run.me("garbage", 401, "Bearer garbage");
              run.me("empty bearer", 401, "Bearer");
              run.me("lower-case scheme", 200, "bearer " + pair.accessToken());
              run.me("refresh token as bearer", 401, "Bearer " + pair.rt());
              run.me(
                  "two headers",
                  400,
                  "Bearer " + pair.accessToken(),
                  "Bearer " + pair.accessToken());
            }),
        new Scenario(
            "with the password grant off, a cookie login continues at the token endpoint",
            run -> {
              run.token("password grant", 400, PASSWORD_GRANT);
              run.token("another grant", 400, "grant_type=client_credentials");
              Pair login = run.login();
              Pair viaBody = run.refreshGrantPair("refresh grant", login.rt());
              run.me("its access token", 200, viaBody);
              run.advance(Duration.ofSeconds(11));
              run.refresh("the spent cookie is reuse", 401, login.rt());
              run.refreshGrant("the family ended", 400, viaBody.rt());
            }));
  }

  /** The token endpoint's scenarios, run with the password grant on. */
  static Stream<Scenario> tokenScenarios() {
    return Stream.of(
        new Scenario(
            "password grant issues a pair that opens the API and rotates",
            run -> {
              Pair first = run.passwordGrant("password grant");
              run.me("its access token", 200, first);
              Pair second = run.refreshGrantPair("refresh grant", first.rt());
              run.me("new access token", 200, second);
              run.me("old access token", 200, first);
              run.token(
                  "named client",
                  200,
                  "grant_type=refresh_token&client_id=tokenpair-demo&refresh_token=" + second.rt());
            }),
        new Scenario(
            "reuse at the token endpoint revokes the family and its access tokens",
            run -> {
              Pair first = run.passwordGrant("password grant");
              Pair second = run.refreshGrantPair("rotate", first.rt());
              run.advance(Duration.ofSeconds(11));
              run.refreshGrant("reuse", 400, first.rt());
              run.refreshGrant("the successor", 400, second.rt());
              run.me("its access token", 401, second);
              run.refresh("the successor as a cookie", 401, second.rt());
            }),
        new Scenario(
            "grace retry at the token endpoint reissues the current pair, inclusive",
            run -> {
              Pair first = run.passwordGrant("password grant");
              Pair second = run.refreshGrantPair("rotate", first.rt());
              run.advance(GRACE);
              run.refreshGrant("at the edge", 200, first.rt());
              run.refreshGrant("the current token", 200, second.rt());
              run.advance(Duration.ofSeconds(11));
              run.refreshGrant("beyond", 400, first.rt());
            }),
        new Scenario(
            "one family across both protocols",
            run -> {
              Pair cookieLogin = run.login();
              Pair viaBody = run.refreshGrantPair("body after cookie", cookieLogin.rt());
              Pair viaCookie = run.refreshPair("cookie after body", viaBody.rt());
              run.refreshGrant("body after cookie again", 200, viaCookie.rt());
              Pair bodyLogin = run.passwordGrant("password grant");
              run.refreshPair("cookie after password grant", bodyLogin.rt());
              run.advance(Duration.ofSeconds(11));
              run.refreshGrant("spent as a cookie, reused in the body", 400, bodyLogin.rt());
              run.refresh("spent in the body, reused as a cookie", 401, cookieLogin.rt());
            }),
        new Scenario(
            "the family expires at its fixed end at the token endpoint",
            run -> {
              Pair pair = run.passwordGrant("password grant");
              run.advance(Duration.ofDays(15).minusSeconds(1));
              Pair last = run.refreshGrantPair("last second", pair.rt());
              run.advance(Duration.ofSeconds(1));
              run.refreshGrant("at the end", 400, last.rt());
              run.advance(Duration.ofSeconds(10));
              run.refreshGrant("beyond the leeway", 400, last.rt());
            }),
        new Scenario(
            "garbage or wrong-kind refresh tokens in the body",
            run -> {
              Pair pair = run.passwordGrant("password grant");
              run.refreshGrant("garbage", 400, "not-a-token");
              run.refreshGrant("access token as refresh token", 400, pair.accessToken());
              run.call(
                  "rt cookie instead of the parameter",
                  400,
                  run.tokenRequest("grant_type=refresh_token").header("Cookie", "rt=" + pair.rt()));
              run.call(
                  "bearer header ignored",
                  200,
                  run.tokenRequest("grant_type=refresh_token&refresh_token=" + pair.rt())
                      .header("Authorization", "Bearer " + pair.accessToken()));
            }),
        new Scenario(
            "logout with the bearer ends a token-endpoint session",
            run -> {
              Pair pair = run.passwordGrant("password grant");
              run.logout("logout", null, pair.accessToken());
              run.refreshGrant("refresh grant", 400, pair.rt());
            }),
        new Scenario(
            "bad token requests consume nothing",
            run -> {
              Pair pair = run.passwordGrant("password grant");
              String rt = pair.rt();
              run.token("no grant_type", 400, "refresh_token=" + rt);
              run.token(
                  "repeated grant_type",
                  400,
                  "grant_type=refresh_token&grant_type=refresh_token&refresh_token=" + rt);
              run.token(
                  "repeated refresh_token",
                  400,
                  "grant_type=refresh_token&refresh_token=" + rt + "&refresh_token=" + rt);
              run.token("empty refresh_token", 400, "grant_type=refresh_token&refresh_token=");
              run.token("bad percent-encoding", 400, "grant_type=refresh_token&refresh_token=%zz");
              run.token("unknown grant type", 400, "grant_type=authorization_code&code=x");
              run.token("no username", 400, "grant_type=password&password=demo-password");
              run.token("no password", 400, "grant_type=password&username=demo");
              run.call(
                  "JSON body",
                  415,
                  run.request("/oauth/token").post(RequestBody.create(PASSWORD_GRANT, JSON)));
              run.call(
                  "no content type",
                  415,
                  run.request("/oauth/token").post(RequestBody.create(PASSWORD_GRANT.getBytes())));
              run.token(
                  "too large", 413, PASSWORD_GRANT + "&pad=" + "a".repeat(Http.MAX_BODY_BYTES));
              run.call("GET", 405, run.request("/oauth/token"));
              run.token(
                  "empty and unknown parameters",
                  200,
                  "grant_type=refresh_token&client_id=&scope=openid&x=1&x=2&refresh_token=" + rt);
            }),
        new Scenario(
            "the public client may name itself and may not authenticate",
            run -> {
              Pair pair = run.passwordGrant("password grant");
              String refresh = "grant_type=refresh_token&refresh_token=" + pair.rt();
              run.token("unknown client", 401, refresh + "&client_id=other");
              run.token("password grant, unknown client", 401, PASSWORD_GRANT + "&client_id=x");
              run.call(
                  "client_secret_basic",
                  401,
                  run.tokenRequest(refresh)
                      .header("Authorization", Credentials.basic("tokenpair-demo", "secret")));
              run.token(
                  "client_secret_post",
                  401,
                  refresh + "&client_id=tokenpair-demo&client_secret=secret");
              run.token("nothing was consumed", 200, refresh);
            }),
        new Scenario(
            "password grant failures and throttling shared with the login endpoint",
            run -> {
              String wrong = "grant_type=password&username=demo&password=wrong";
              run.token("wrong password", 400, wrong);
              run.token("unknown user", 400, "grant_type=password&username=nobody&password=x");
              for (int i = 1; i <= 4; i++) {
                run.login(
                    "wrong login " + i,
                    401,
                    "application/json",
                    "{\"username\":\"demo\",\"password\":\"wrong\"}");
              }
              run.advance(Duration.ofMinutes(5));
              run.token("throttled", 429, PASSWORD_GRANT);
              run.login("throttled at the login endpoint", 429, "application/json", LOGIN);
              run.advance(Duration.ofMinutes(10));
              run.passwordGrant("after the window");
            }));
  }

  /** DPoP scenarios: the demo server with {@code --dpop required}, the dispatcher with dpop(). */
  static Stream<Scenario> dpopScenarios() {
    return Stream.of(
        new Scenario(
            "a bound pair opens the API with proofs of its key only",
            run -> {
              Pair pair = run.dpopToken("password grant", 200, PASSWORD_GRANT).tokenPair();
              run.dpopMe("with a proof", 200, pair.accessToken());
              run.me("as Bearer", 401, pair);
              DpopKey thief = new DpopKey();
              run.dpopMe(
                  "proof of another key",
                  401,
                  pair.accessToken(),
                  run.proof(thief, "GET", "/api/me").accessToken(pair.accessToken()).sign());
              run.dpopMe("no proof", 401, pair.accessToken(), null);
              run.dpopMe("no ath", 401, pair.accessToken(), run.proof("GET", "/api/me").sign());
              String proof = run.proof("GET", "/api/me").accessToken(pair.accessToken()).sign();
              run.dpopMe("once", 200, pair.accessToken(), proof);
              run.dpopMe("replayed", 401, pair.accessToken(), proof);
              run.dpopMe("garbage token", 401, "garbage");
              run.advance(Duration.ofMinutes(16));
              run.dpopMe("expired", 401, pair.accessToken());
            }),
        new Scenario(
            "a bound refresh token needs a proof of its key and is not consumed without one",
            run -> {
              Pair pair = run.dpopToken("password grant", 200, PASSWORD_GRANT).tokenPair();
              String refresh = "grant_type=refresh_token&refresh_token=" + pair.rt();
              run.token("no proof", 400, refresh);
              DpopKey thief = new DpopKey();
              run.post(
                  "proof of another key",
                  400,
                  "/oauth/token",
                  refresh,
                  run.proof(thief, "POST", "/oauth/token").sign());
              run.refresh("as a cookie", 401, pair.rt());
              Pair next = run.dpopToken("with its key", 200, refresh).tokenPair();
              run.dpopMe("new access token", 200, next.accessToken());
              run.advance(Duration.ofSeconds(11));
              run.dpopToken("the spent one is reuse", 400, refresh);
            }),
        new Scenario(
            "a cookie session is Bearer and binds at its first DPoP refresh",
            run -> {
              Pair login = run.login();
              run.me("cookie login", 200, login);
              run.dpopMe("an unbound token with the DPoP scheme", 401, login.accessToken());
              Pair bound =
                  run.dpopToken(
                          "refresh grant",
                          200,
                          "grant_type=refresh_token&refresh_token=" + login.rt())
                      .tokenPair();
              run.dpopMe("bound now", 200, bound.accessToken());
              run.post(
                  "its refresh token is bound to the key",
                  400,
                  "/oauth/token",
                  "grant_type=refresh_token&refresh_token=" + bound.rt(),
                  run.proof(new DpopKey(), "POST", "/oauth/token").sign());
            }),
        new Scenario(
            "proofs that break a rule are refused before the grant",
            run -> {
              for (var broken :
                  List.<java.util.function.Consumer<DpopKey.Proof>>of(
                      p -> p.typ = "JWT",
                      p -> p.alg = "RS256",
                      p -> p.privateKeyInJwk = true,
                      p -> p.badSignature = true,
                      p -> p.htm = "GET",
                      p -> p.htu = p.htu.replace("/oauth/token", "/oauth/revoke"),
                      p -> p.htu = p.htu.replace("http:", "https:"),
                      p -> p.iat += 16,
                      p -> p.iat -= 26)) {
                DpopKey.Proof proof = run.proof("POST", "/oauth/token");
                broken.accept(proof);
                run.post("broken proof", 400, "/oauth/token", PASSWORD_GRANT, proof.sign());
              }
              DpopKey.Proof ahead = run.proof("POST", "/oauth/token");
              ahead.iat += 15;
              run.post("15 s ahead", 200, "/oauth/token", PASSWORD_GRANT, ahead.sign());
              DpopKey.Proof behind = run.proof("POST", "/oauth/token");
              behind.iat -= 25;
              run.post("25 s behind", 200, "/oauth/token", PASSWORD_GRANT, behind.sign());
              DpopKey.Proof query = run.proof("POST", "/oauth/token");
              query.htu += "?x=1#y";
              run.post(
                  "query and fragment ignored", 200, "/oauth/token", PASSWORD_GRANT, query.sign());
              run.call(
                  "two proofs",
                  400,
                  run.tokenRequest(PASSWORD_GRANT)
                      .addHeader("DPoP", run.proof("POST", "/oauth/token").sign())
                      .addHeader("DPoP", run.proof("POST", "/oauth/token").sign()));
              run.token("unsupported grant before the proof", 400, "grant_type=client_credentials");
            }),
        new Scenario(
            "revocation of a bound token needs a proof of its key",
            run -> {
              Pair pair = run.dpopToken("password grant", 200, PASSWORD_GRANT).tokenPair();
              run.post("no proof", 400, "/oauth/revoke", "token=" + pair.rt(), null);
              run.dpopMe("still alive", 200, pair.accessToken());
              run.post(
                  "with its key",
                  200,
                  "/oauth/revoke",
                  "token=" + pair.rt() + "&token_type_hint=refresh_token",
                  run.proof("POST", "/oauth/revoke").sign());
              run.dpopMe("the session ended", 401, pair.accessToken());
              run.dpopToken(
                  "the refresh token too",
                  400,
                  "grant_type=refresh_token&refresh_token=" + pair.rt());
            }));
  }

  /** Nonce scenarios: {@code --dpop required --dpop-nonce on} and {@code requireDpopNonce()}. */
  static Stream<Scenario> nonceScenarios() {
    return Stream.of(
        new Scenario(
            "a nonce is challenged, then accepted, then rotated",
            run -> {
              run.dpopToken("no nonce", 400, PASSWORD_GRANT);
              Pair pair = run.dpopToken("with the nonce", 200, PASSWORD_GRANT).tokenPair();
              run.dpopMe("resource with the nonce", 200, pair.accessToken());
              run.rotateNonce();
              String stale = run.nonce;
              run.dpopMe("stale nonce at the resource", 401, pair.accessToken());
              assertThat(run.nonce).isNotEqualTo(stale);
              run.dpopMe("fresh nonce at the resource", 200, pair.accessToken());
              run.rotateNonce();
              String refresh = "grant_type=refresh_token&refresh_token=" + pair.rt();
              run.dpopToken("stale nonce at the token endpoint", 400, refresh);
              run.dpopToken("the same refresh token with the fresh nonce", 200, refresh);
            }));
  }

  /** Revocation scenarios (RFC 7009), with the password grant on and DPoP off. */
  static Stream<Scenario> revocationScenarios() {
    return Stream.of(
        new Scenario(
            "revoking the refresh token ends the grant",
            run -> {
              Pair pair = run.passwordGrant("password grant");
              run.post(
                  "revoke",
                  200,
                  "/oauth/revoke",
                  "token=" + pair.rt() + "&token_type_hint=refresh_token",
                  null);
              run.refreshGrant("refresh grant", 400, pair.rt());
              run.me("its access token", 401, pair);
              run.post("again", 200, "/oauth/revoke", "token=" + pair.rt(), null);
            }),
        new Scenario(
            "revoking an access token ends its session",
            run -> {
              Pair pair = run.passwordGrant("password grant");
              run.post(
                  "revoke",
                  200,
                  "/oauth/revoke",
                  "token=" + pair.accessToken() + "&token_type_hint=access_token",
                  null);
              run.refreshGrant("refresh grant", 400, pair.rt());
            }),
        new Scenario(
            "revoking a spent refresh token ends the session",
            run -> {
              Pair first = run.passwordGrant("password grant");
              Pair second = run.refreshGrantPair("rotate", first.rt());
              run.post("revoke the spent one", 200, "/oauth/revoke", "token=" + first.rt(), null);
              run.refreshGrant("the current one", 400, second.rt());
            }),
        new Scenario(
            "bad revocation requests",
            run -> {
              Pair pair = run.passwordGrant("password grant");
              run.post("unknown token", 200, "/oauth/revoke", "token=unknown", null);
              run.post("no token", 400, "/oauth/revoke", "token_type_hint=refresh_token", null);
              run.post(
                  "repeated token",
                  400,
                  "/oauth/revoke",
                  "token=" + pair.rt() + "&token=" + pair.rt(),
                  null);
              run.post(
                  "client_secret_post",
                  401,
                  "/oauth/revoke",
                  "token=" + pair.rt() + "&client_id=tokenpair-demo&client_secret=x",
                  null);
              run.post("unknown client", 401, "/oauth/revoke", "token=x&client_id=other", null);
              run.call("GET", 405, run.request("/oauth/revoke"));
              run.call(
                  "JSON body",
                  415,
                  run.request("/oauth/revoke").post(RequestBody.create("{}", JSON)));
              run.refreshGrant("nothing was revoked", 200, pair.rt());
              run.post(
                  "a proof is ignored with DPoP off",
                  200,
                  "/oauth/revoke",
                  "token=" + pair.rt(),
                  run.proof("POST", "/oauth/token").sign());
            }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dpopScenarios")
  void dispatcherAnswersAsTheDemoServerDoesWithDpop(Scenario scenario) {
    assertSameAnswers(scenario, new Setup(401, true, true, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nonceScenarios")
  void dispatcherAnswersAsTheDemoServerDoesWithDpopNonces(Scenario scenario) {
    assertSameAnswers(scenario, new Setup(401, true, true, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("revocationScenarios")
  void dispatcherRevokesAsTheDemoServerDoes(Scenario scenario) {
    assertSameAnswers(scenario, new Setup(401, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tokenScenarios")
  void dispatcherAnswersAsTheDemoServersTokenEndpointDoes(Scenario scenario) {
    assertSameAnswers(scenario, 401, true);
  }

  private static Run run(Scenario scenario, Target target) {
    try (target) {
      Run run = new Run(target);
      scenario.steps().run(run);
      return run;
    }
  }

  /** The scenarios whose answers depend on the expired status, for a server that uses 419. */
  static Stream<Scenario> scenariosWith419() {
    return Stream.of(
        new Scenario(
            "an expired access token gets 419",
            run -> {
              Pair pair = run.login();
              run.advance(Duration.ofMinutes(16));
              run.me("expired", 419, pair);
            }),
        new Scenario(
            "an ended session's access token gets 401, not 419",
            run -> {
              Pair pair = run.login();
              run.logout("logout", pair.rt(), null);
              run.me("revoked", 401, pair);
              run.me("missing", 401);
              run.me("garbage", 401, "Bearer garbage");
            }));
  }

  private static void assertSameAnswers(Scenario scenario, int expiredStatus) {
    assertSameAnswers(scenario, expiredStatus, false);
  }

  private static void assertSameAnswers(
      Scenario scenario, int expiredStatus, boolean passwordGrant) {
    assertSameAnswers(scenario, new Setup(expiredStatus, passwordGrant));
  }

  private static void assertSameAnswers(Scenario scenario, Setup setup) {
    Run real = run(scenario, new DemoTarget(setup));
    Run fake = run(scenario, new DispatcherTarget(setup));

    assertThat(real.unexpected).as("the demo server").isEmpty();
    assertThat(fake.seen).as("the dispatcher").containsExactlyElementsOf(real.seen);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void dispatcherAnswersAsTheDemoServerDoes(Scenario scenario) {
    assertSameAnswers(scenario, 401);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenariosWith419")
  void dispatcherAnswersAsTheDemoServerDoesWithExpiredStatus419(Scenario scenario) {
    assertSameAnswers(scenario, 419);
  }
}
