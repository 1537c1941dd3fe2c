package io.tokenpair.bench;

import io.tokenpair.client.TokenPairAuth;
import java.io.IOException;
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
