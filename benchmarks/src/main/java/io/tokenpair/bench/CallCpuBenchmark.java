package io.tokenpair.bench;

import io.tokenpair.client.RefreshProtocol;
import io.tokenpair.client.TokenGrant;
import io.tokenpair.client.TokenPairAuth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Cookie;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU the SDK adds to one call, without a network: both clients end in an application
 * interceptor that answers 200 at once, so {@link #bareCall()} is OkHttp's own call overhead and
 * {@link #sdkCall()} adds TokenPairAuth's interceptor (origin check, refresh-ahead check, bearer
 * header, request tag); {@link #trivialInterceptorCall()} is the floor of any interceptor that sets
 * a header. {@link #sdkCookieJar()} is the other per-call cost, the cookie jar lookup that OkHttp's
 * bridge makes on the network path (skipped by the short-circuit above).
 *
 * <p>DPoP (issue 16): {@link #sdkDpopCall()} is a call through a client built with {@code dpop()}
 * and signed in with a DPoP-bound pair (oauth2 protocol, no network either), so each call signs a
 * fresh ES256 proof; {@link #sdkOAuth2BearerCall()} is the same client without {@code dpop()}, the
 * Bearer call it is compared with; {@link #signatureSign()} is the physical floor, one bare {@code
 * Signature.sign} (SHA256withECDSA, P-256, an instance initialized once) of as many bytes as that
 * proof's signing input, and {@link #signatureNewInstanceSign()} the same with a new instance per
 * signature, as the SDK signs.
 *
 * <p>JMH suits this one: sub-microsecond to microsecond work, where the harness's dead-code and
 * warm-up care matter. It explains the ratio that {@code SteadyStateOverhead} measures end to end.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
public class CallCpuBenchmark {
  private static final String ORIGIN = "http://127.0.0.1:8080/";
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final byte[] BODY = "{\"code\":0,\"data\":{\"id\":\"1\"}}".getBytes();

  private OkHttpClient bare;
  private OkHttpClient trivial;
  private OkHttpClient sdk;
  private Request bareRequest;
  private Request sdkRequest;
  private HttpUrl url;
  private OkHttpClient sdkDpop;
  private OkHttpClient sdkOAuth2Bearer;
  private Signature signature;
  private PrivateKey signingKey;
  private byte[] signingInput;

  /** Builds both clients; the SDK one is signed in with a JWT that expires in an hour. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    Interceptor answer =
        chain ->
            new Response.Builder()
                .request(chain.request())
                .protocol(Protocol.HTTP_1_1)
                .code(200)
                .message("OK")
                .body(ResponseBody.create(BODY, JSON))
                .build();
    url = HttpUrl.get(ORIGIN + "api/me");
    TokenPairAuth auth = TokenPairAuth.builder().baseUrl(ORIGIN).build();
    sdk = auth.install(new OkHttpClient.Builder()).addInterceptor(answer).build();
    long exp = System.currentTimeMillis() / 1000 + 3600;
    auth.setAccessToken(jwt(exp));
    // The rt cookie, as after a login (Path=/auth: not sent to /api/*).
    sdk.cookieJar()
        .saveFromResponse(
            HttpUrl.get(ORIGIN + "auth/login"),
            List.of(
                Cookie.parse(
                    HttpUrl.get(ORIGIN + "auth/login"),
                    "rt=abc; Path=/auth; HttpOnly; SameSite=Strict; Max-Age=86400")));
    bare = new OkHttpClient.Builder().addInterceptor(answer).build();
    // The least any bearer interceptor does: copy the request with one header.
    trivial =
        new OkHttpClient.Builder()
            .addInterceptor(
                chain ->
                    chain.proceed(
                        chain.request().newBuilder().header("Authorization", "Bearer x").build()))
            .addInterceptor(answer)
            .build();
    sdkRequest = new Request.Builder().url(url).build();
    bareRequest = sdkRequest.newBuilder().header("Authorization", "Bearer " + jwt(exp)).build();
    setUpDpop(answer, exp);
  }

  /**
   * The DPoP client and its Bearer twin, signed in with a pair whose answer named no token type (so
   * the DPoP one is bound); the signature floor over the size of a real proof's signing input.
   */
  private void setUpDpop(Interceptor answer, long exp) throws IOException {
    RefreshProtocol oauth2 = RefreshProtocol.oauth2(HttpUrl.get(ORIGIN + "oauth/token"), "bench");
    TokenGrant pair =
        TokenGrant.of(jwt(exp), "rt-abc", TokenGrant.UNKNOWN_LIFETIME, TimeUnit.SECONDS);
    TokenPairAuth dpop =
        TokenPairAuth.builder().baseUrl(ORIGIN).refreshProtocol(oauth2).dpop().build();
    sdkDpop = dpop.install(new OkHttpClient.Builder()).addInterceptor(answer).build();
    dpop.signIn(pair);
    TokenPairAuth bearer = TokenPairAuth.builder().baseUrl(ORIGIN).refreshProtocol(oauth2).build();
    sdkOAuth2Bearer = bearer.install(new OkHttpClient.Builder()).addInterceptor(answer).build();
    bearer.signIn(pair);
    String proof;
    try (Response response = sdkDpop.newCall(sdkRequest).execute()) {
      // The request as the answering interceptor saw it: after the SDK's interceptor.
      String authorization = response.request().header("Authorization");
      proof = response.request().header("DPoP");
      if (authorization == null || !authorization.startsWith("DPoP ") || proof == null) {
        throw new IllegalStateException("The DPoP client did not send a DPoP-bound call.");
      }
    }
    try (Response response = sdkOAuth2Bearer.newCall(sdkRequest).execute()) {
      String authorization = response.request().header("Authorization");
      if (authorization == null || !authorization.startsWith("Bearer ")) {
        throw new IllegalStateException("The Bearer client did not send a Bearer call.");
      }
    }
    // A proof is "header.claims.signature": what is signed is "header.claims".
    int size = proof.substring(0, proof.lastIndexOf('.')).getBytes(StandardCharsets.UTF_8).length;
    signingInput = new byte[size];
    java.util.Arrays.fill(signingInput, (byte) 'A');
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      signingKey = generator.generateKeyPair().getPrivate();
      signature = Signature.getInstance("SHA256withECDSA");
      signature.initSign(signingKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * One call through a bare client.
   *
   * @return the response's code.
   */
  @Benchmark
  public int bareCall() throws IOException {
    try (Response response = bare.newCall(bareRequest).execute()) {
      return response.code();
    }
  }

  /**
   * One call through a bare client with a trivial interceptor that sets a header: the floor for any
   * interceptor-based SDK.
   *
   * @return the response's code.
   */
  @Benchmark
  public int trivialInterceptorCall() throws IOException {
    try (Response response = trivial.newCall(sdkRequest).execute()) {
      return response.code();
    }
  }

  /**
   * One call through the client with TokenPairAuth installed.
   *
   * @return the response's code.
   */
  @Benchmark
  public int sdkCall() throws IOException {
    try (Response response = sdk.newCall(sdkRequest).execute()) {
      return response.code();
    }
  }

  /**
   * One call through a client with TokenPairAuth installed, oauth2 protocol, Bearer: the DPoP
   * call's twin.
   *
   * @return the response's code.
   */
  @Benchmark
  public int sdkOAuth2BearerCall() throws IOException {
    try (Response response = sdkOAuth2Bearer.newCall(sdkRequest).execute()) {
      return response.code();
    }
  }

  /**
   * One call through a client with TokenPairAuth installed, DPoP on and a bound session: a fresh
   * ES256 proof per call.
   *
   * @return the response's code.
   */
  @Benchmark
  public int sdkDpopCall() throws IOException {
    try (Response response = sdkDpop.newCall(sdkRequest).execute()) {
      return response.code();
    }
  }

  /**
   * The floor of a DPoP call: one ES256 signature over as many bytes as a proof's signing input.
   *
   * @return the DER signature.
   */
  @Benchmark
  public byte[] signatureSign() throws GeneralSecurityException {
    signature.update(signingInput);
    return signature.sign();
  }

  /**
   * {@link #signatureSign()} with a new {@code Signature} instance per signature ({@code
   * getInstance}, {@code initSign}), as the SDK makes one per proof: where part of the difference
   * between the two goes.
   *
   * @return the DER signature.
   */
  @Benchmark
  public byte[] signatureNewInstanceSign() throws GeneralSecurityException {
    Signature fresh = Signature.getInstance("SHA256withECDSA");
    fresh.initSign(signingKey);
    fresh.update(signingInput);
    return fresh.sign();
  }

  /**
   * The SDK cookie jar's lookup for one request.
   *
   * @return the cookies to send (none for /api/me).
   */
  @Benchmark
  public List<Cookie> sdkCookieJar() {
    return sdk.cookieJar().loadForRequest(url);
  }

  private static String jwt(long exp) {
    java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}".getBytes());
    String payload = b64.encodeToString(("{\"sub\":\"1\",\"exp\":" + exp + "}").getBytes());
    return header + "." + payload + ".c2ln";
  }
}
