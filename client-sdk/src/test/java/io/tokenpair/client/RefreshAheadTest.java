package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Refresh ahead of expiry against servers that do not always issue a fresher token. */
@Timeout(20)
final class RefreshAheadTest {
  @StartStop public final MockWebServer server = new MockWebServer();

  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

  private final RecordingListener listener = new RecordingListener();

  /** An unsigned JWT whose life is 60 s, 10 s of it left now. */
  private static String jwtAboutToExpire() {
    long now = System.currentTimeMillis() / 1000;
    Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
    String header = base64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
    String payload =
        base64.encodeToString(
            ("{\"sub\":\"1\",\"iat\":" + (now - 50) + ",\"exp\":" + (now + 10) + "}")
                .getBytes(StandardCharsets.UTF_8));
    return header + "." + payload + ".";
  }

  @Test
  void refreshAheadThatBringsBackTheSameTokenIsNotRepeatedForIt() throws Exception {
    String token = jwtAboutToExpire();
    AtomicInteger refreshes = new AtomicInteger();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (request.getUrl().encodedPath().equals("/oauth/token")) {
              // RFC 6749 lets a server hand back the same, still valid, access token.
              int n = refreshes.incrementAndGet();
              return new MockResponse.Builder()
                  .addHeader("Content-Type", "application/json")
                  .addHeader("Date", HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)))
                  .body(
                      "{\"access_token\":\""
                          + token
                          + "\",\"token_type\":\"Bearer\",\"expires_in\":10,"
                          + "\"refresh_token\":\"rt-"
                          + (n + 1)
                          + "\"}")
                  .build();
            }
            return new MockResponse.Builder().body("ok").build();
          }
        });
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .refreshProtocol(RefreshProtocol.oauth2(server.url("/oauth/token"), "app"))
            .refreshAhead(30, TimeUnit.SECONDS)
            .listener(listener)
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    auth.signIn(token, "rt-1");

    for (int i = 0; i < 10; i++) {
      try (Response response =
          client.newCall(new Request.Builder().url(server.url("/api/me")).build()).execute()) {
        assertThat(response.code()).isEqualTo(200);
      }
    }
    assertThat(refreshes).hasValue(1);
    assertThat(listener.events).hasSize(1);
  }
}
