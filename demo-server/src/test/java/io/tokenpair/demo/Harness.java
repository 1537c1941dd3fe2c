package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenpair.demo.DemoConfig.CaptchaMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** A real {@link DemoServer} on port 0 with a controllable clock, and an OkHttp client for it. */
final class Harness implements AutoCloseable {
  static final byte[] ACCESS_SECRET =
      "access-secret-for-tests-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  static final byte[] REFRESH_SECRET =
      "refresh-secret-for-tests-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  static final MediaType JSON = MediaType.get("application/json");
  static final ObjectMapper MAPPER = new ObjectMapper();

  final TestClock clock = new TestClock();
  final DemoServer server;
  final OkHttpClient client = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();

  /** A snapshot of an HTTP answer; the body is read eagerly. */
  record Answer(Response response, String body) {
    int code() {
      return response.code();
    }

    String header(String name) {
      return response.header(name);
    }

    JsonNode json() {
      try {
        return MAPPER.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The value of the {@code rt} cookie this answer sets, or null. */
    String rtCookie() {
      var header = response.header("Set-Cookie");
      if (header == null || !header.startsWith("rt=")) return null;
      return header.substring(3, header.indexOf(';'));
    }
  }

  /** The pair a login or refresh returned. */
  record Pair(String accessToken, String refreshToken) {}

  Harness(Consumer<DemoConfig.Builder> customize) {
    this(customize, UnaryOperator.identity());
  }

  /** A server whose password checks go through {@code verifiers.apply(the real check)}. */
  Harness(Consumer<DemoConfig.Builder> customize, UnaryOperator<UserDirectory.Verifier> verifiers) {
    var builder =
        DemoConfig.builder()
            .port(0)
            .captcha(CaptchaMode.OFF)
            .passwordIterations(1_000)
            .secrets(ACCESS_SECRET, REFRESH_SECRET)
            .threads(8)
            .clock(clock);
    customize.accept(builder);
    try {
      server = new DemoServer(builder.build(), verifiers).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Harness() {
    this(b -> {});
  }

  String url(String path) {
    return server.baseUrl() + path;
  }

  Request.Builder request(String path) {
    return new Request.Builder().url(url(path));
  }

  Answer execute(Request request) {
    try (var response = client.newCall(request).execute()) {
      return new Answer(response, response.body().string());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Answer get(String path) {
    return execute(request(path).build());
  }

  Answer getWithBearer(String path, String token) {
    return execute(request(path).header("Authorization", "Bearer " + token).build());
  }

  Answer postJson(String path, String json) {
    return execute(request(path).post(RequestBody.create(json, JSON)).build());
  }

  Answer refresh(String rt) {
    return execute(
        request("/auth/refresh")
            .header("Cookie", "rt=" + rt)
            .post(RequestBody.create(new byte[0]))
            .build());
  }

  Answer loginAnswer(String username, String password) {
    return postJson(
        "/auth/login", "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}");
  }

  /** Logs the demo user in (captcha off) and returns the pair. */
  Pair login() {
    var answer = loginAnswer(DemoConfig.DEFAULT_USER, DemoConfig.DEFAULT_PASSWORD);
    assertThat(answer.code()).as(answer.body()).isEqualTo(200);
    return new Pair(answer.json().at("/data/access_token").asText(), answer.rtCookie());
  }

  Pair refreshPair(String rt) {
    var answer = refresh(rt);
    assertThat(answer.code()).as(answer.body()).isEqualTo(200);
    return new Pair(answer.json().at("/data/access_token").asText(), answer.rtCookie());
  }

  @Override
  public void close() {
    server.stop();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
