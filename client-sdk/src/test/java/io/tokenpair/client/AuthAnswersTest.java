package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenpair.client.RefreshEvent.Outcome;
import java.io.IOException;
import java.text.SimpleDateFormat;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the SDK reads login and refresh answers, through the public API: tokens that cannot be sent,
 * bodies over the size limit, {@code Retry-After} in both forms, {@code expires_in} as a string,
 * and what a refused or unusable answer tells the caller. The API and the cookie endpoints are one
 * server ({@code api}); the OAuth 2.0 token endpoint is another ({@code idp}).
 */
@Timeout(20)
final class AuthAnswersTest {
  private static final int MIB = 1024 * 1024;
  private static final String UNSENDABLE =
      "The login response's access token cannot be sent in an Authorization header.";

  @StartStop public final MockWebServer api = new MockWebServer();
  @StartStop public final MockWebServer idp = new MockWebServer();

  private final FakeClock clock = new FakeClock();
  private final RecordingListener listener = new RecordingListener();

  /** The access tokens the API accepts. */
  private final Set<String> valid = new CopyOnWriteArraySet<>();

  /** The answers of {@code /auth/login} and {@code /auth/refresh}, in order. */
  private final BlockingQueue<MockResponse> authAnswers = new LinkedBlockingQueue<>();

  /** What escaped OkHttp's dispatcher threads: on Android, each would end the app. */
  private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();

  /** Released once per finished dispatcher task, after its callback and any escape. */
  private final Semaphore finishedTasks = new Semaphore(0);

  private final ThreadPoolExecutor dispatcherThreads =
      new ThreadPoolExecutor(0, 4, 10, TimeUnit.SECONDS, new SynchronousQueue<Runnable>()) {
        @Override
        protected void afterExecute(Runnable task, Throwable escaped) {
          if (escaped != null) uncaught.add(escaped);
          finishedTasks.release();
        }
      };

  @BeforeEach
  void setUp() {
    api.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (request.getUrl().encodedPath().startsWith("/auth/")) {
              MockResponse answer = authAnswers.poll();
              return answer != null ? answer : new MockResponse.Builder().code(500).build();
            }
            String authorization = request.getHeaders().get("Authorization");
            String token = authorization != null ? authorization.substring(7) : "";
            if (valid.contains(token)) return new MockResponse.Builder().body("ok").build();
            return new MockResponse.Builder().code(401).build();
          }
        });
  }

  @AfterEach
  void tearDown() {
    dispatcherThreads.shutdownNow();
  }

  private TokenPairAuth.Builder cookieProtocol() {
    return TokenPairAuth.builder()
        .baseUrl(api.url("/"))
        .refreshAhead(0, TimeUnit.SECONDS)
        .listener(listener)
        .clock(clock);
  }

  private TokenPairAuth.Builder oauth2() {
    return cookieProtocol().refreshProtocol(RefreshProtocol.oauth2(idp.url("/token"), "my-app"));
  }

  private OkHttpClient install(TokenPairAuth auth) {
    return auth.install(
            new OkHttpClient.Builder().dispatcher(new okhttp3.Dispatcher(dispatcherThreads)))
        .build();
  }

  private Request loginRequest() {
    return new Request.Builder()
        .url(api.url("/auth/login"))
        .post(RequestBody.create("{}", MediaType.get("application/json")))
        .build();
  }

  private static String json(String text) throws IOException {
    return TestJson.MAPPER.writeValueAsString(text);
  }

  private static MockResponse cookieAnswer(String accessToken) throws IOException {
    return new MockResponse.Builder()
        .addHeader("Content-Type", "application/json")
        .addHeader("Set-Cookie", "rt=refresh-1; Path=/auth; HttpOnly")
        .body("{\"data\":{\"access_token\":" + json(accessToken) + "}}")
        .build();
  }

  private static String tokenJson(String accessToken, String refreshToken, String more)
      throws IOException {
    return "{\"access_token\":"
        + json(accessToken)
        + ",\"token_type\":\"Bearer\""
        + (refreshToken != null ? ",\"refresh_token\":" + json(refreshToken) : "")
        + more
        + "}";
  }

  private static MockResponse tokens(String accessToken, String refreshToken) throws IOException {
    return new MockResponse.Builder()
        .addHeader("Content-Type", "application/json")
        .body(tokenJson(accessToken, refreshToken, ""))
        .build();
  }

  private static String presented(RecordedRequest refresh) {
    for (String pair : refresh.getBody().utf8().split("&")) {
      if (pair.startsWith("refresh_token=")) return pair.substring("refresh_token=".length());
    }
    return null;
  }

  private int call(OkHttpClient client) throws IOException {
    try (Response response =
        client.newCall(new Request.Builder().url(api.url("/api/me")).build()).execute()) {
      return response.code();
    }
  }

  /**
   * Enqueues a call, waits until its dispatcher task has finished, and asserts that nothing escaped
   * onto the dispatcher's thread and that the callback got a response of {@code status}.
   */
  private void assertEnqueuedCallGets(OkHttpClient client, int status) throws Exception {
    Object outcome = enqueue(client);
    assertThat(uncaught).isEmpty();
    assertThat(outcome).isEqualTo(status);
  }

  /**
   * Enqueues a call and waits until its dispatcher task has finished: returns the status, or the
   * {@link IOException} the callback received.
   */
  private Object enqueue(OkHttpClient client) throws InterruptedException {
    AtomicReference<Object> outcome = new AtomicReference<>();
    client
        .newCall(new Request.Builder().url(api.url("/api/me")).build())
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                outcome.set(e);
              }

              @Override
              public void onResponse(Call call, Response response) {
                try (Response r = response) {
                  outcome.set(r.code());
                }
              }
            });
    finishedTasks.acquire();
    return outcome.get();
  }

  /**
   * Asserts that the one refresh so far failed with an {@link AuthResponseException} of {@code
   * message}, and that the session was kept: the access token {@code at-1}, the refresh token
   * {@code refreshToken} in {@code store}, no end.
   */
  private void assertRefreshFailedAndKept(
      TokenPairAuth auth, TokenStore store, String refreshToken, String message)
      throws IOException {
    assertThat(auth.accessToken()).isEqualTo("at-1");
    assertThat(store.loadRefreshToken()).isEqualTo(refreshToken);
    assertThat(listener.expired).hasValue(0);
    assertThat(listener.events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.outcome()).isEqualTo(Outcome.FAILED);
              assertThat(e.failure()).isInstanceOf(AuthResponseException.class).hasMessage(message);
            });
  }

  private static String httpDate(long millis) {
    SimpleDateFormat format = new SimpleDateFormat("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
    format.setTimeZone(TimeZone.getTimeZone("GMT"));
    return format.format(new Date(millis));
  }

  // Point 5: tokens that cannot be a header value.

  @ParameterizedTest
  @ValueSource(strings = {"at\u0001x", "at-\u00e9", "at x", "at\u007fx", "at\nx"})
  void loginAnswerWithATokenThatCannotBeSentIsRefused(String token) throws Exception {
    TokenPairAuth auth = cookieProtocol().build();
    install(auth);
    authAnswers.add(cookieAnswer(token));

    assertThatThrownBy(() -> auth.login(loginRequest()))
        .isInstanceOfSatisfying(
            AuthResponseException.class,
            e -> {
              assertThat(e.code()).isEqualTo(200);
              assertThat(e.endsSession()).isFalse();
              assertThat(e.error()).isNull();
            })
        .hasMessage(UNSENDABLE);
    assertThat(auth.accessToken()).isNull();
  }

  @Test
  void callsAfterAnUnsendableLoginTokenNeverThrowOnTheDispatcher() throws Exception {
    TokenPairAuth auth = cookieProtocol().build();
    OkHttpClient client = install(auth);
    authAnswers.add(cookieAnswer("at\u0001x"));
    try {
      auth.login(loginRequest());
    } catch (IOException expected) {
      // Refused: nothing was kept.
    }

    assertEnqueuedCallGets(client, 401);
    api.takeRequest(); // The login.
    assertThat(api.takeRequest().getHeaders().get("Authorization")).isNull();
  }

  @Test
  void refreshAnswerWithAnUnsendableTokenFailsTransientlyAndKeepsTheRotation() throws Exception {
    TokenStore store = TokenStore.inMemory();
    TokenPairAuth auth = oauth2().tokenStore(store).build();
    OkHttpClient client = install(auth);
    auth.signIn("at-1", "rt-1");
    idp.enqueue(tokens("at-\u00e9", "rt-2"));

    assertEnqueuedCallGets(client, 401);
    assertRefreshFailedAndKept(
        auth,
        store,
        "rt-2", // The server has spent rt-1.
        "The refresh response's access token cannot be sent in an Authorization header.");

    valid.add("at-2");
    idp.enqueue(tokens("at-2", "rt-3"));
    assertThat(call(client)).isEqualTo(200);
    idp.takeRequest();
    assertThat(presented(idp.takeRequest())).isEqualTo("rt-2");
  }

  @Test
  void signInAndSetAccessTokenRefuseTokensThatCannotBeSent() throws Exception {
    TokenPairAuth auth = oauth2().build();
    install(auth);
    String message =
        "accessToken cannot be sent in an Authorization header: it must be visible ASCII,"
            + " without spaces or control characters.";

    assertThatThrownBy(() -> auth.signIn("at\u0000", "rt-1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
    assertThat(auth.accessToken()).isNull();
    auth.signIn("at-1", "rt-1");
    assertThatThrownBy(() -> auth.setAccessToken("at-\u00e9"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
    assertThat(auth.accessToken()).isEqualTo("at-1");
  }

  @Test
  void storedTokenThatCannotBeSentIsNotSent() throws Exception {
    TokenStore corrupt =
        new TokenStore() {
          @Override
          public String loadAccessToken() {
            return "at\u0001x"; // Written by an older version, or damaged.
          }

          @Override
          public void saveAccessToken(String accessToken) {}
        };
    OkHttpClient client = install(cookieProtocol().tokenStore(corrupt).build());

    assertEnqueuedCallGets(client, 401);
    assertThat(api.takeRequest().getHeaders().get("Authorization")).isNull();
  }

  // Point 9: the size limit.

  @Test
  void refreshAnswerOverOneMebibyteFailsTransientlyAndKeepsTheSession() throws Exception {
    TokenStore store = TokenStore.inMemory();
    TokenPairAuth auth = oauth2().tokenStore(store).build();
    OkHttpClient client = install(auth);
    auth.signIn("at-1", "rt-1");
    valid.add("at-2");
    String answer = tokenJson("at-2", "rt-2", "");
    idp.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "application/json")
            .body(answer + spaces(3 * MIB)) // Valid JSON, 3 MiB.
            .build());

    assertThat(call(client)).isEqualTo(401);
    assertRefreshFailedAndKept(
        auth, store, "rt-1", "The refresh response is larger than 1048576 bytes.");

    idp.enqueue(tokens("at-2", "rt-2"));
    assertThat(call(client)).isEqualTo(200);
  }

  @Test
  void loginAnswerOverOneMebibyteIsRefused() throws Exception {
    TokenPairAuth auth = cookieProtocol().build();
    install(auth);
    authAnswers.add(
        new MockResponse.Builder()
            .addHeader("Set-Cookie", "rt=refresh-1; Path=/auth; HttpOnly")
            .body("{\"data\":{\"access_token\":\"at-1\"}}" + spaces(MIB))
            .build());

    assertThatThrownBy(() -> auth.login(loginRequest()))
        .isInstanceOf(AuthResponseException.class)
        .hasMessage("The login response is larger than 1048576 bytes.");
    assertThat(auth.accessToken()).isNull();
  }

  @Test
  void answerOfExactlyOneMebibyteIsReadWhole() throws Exception {
    TokenPairAuth auth = oauth2().build();
    install(auth);
    String head = "{\"profile\":\"";
    String tail = "\"," + tokenJson("at-1", "rt-1", "").substring(1);
    String padding = new String(new char[MIB - head.length() - tail.length()]).replace('\0', 'x');
    authAnswers.add(new MockResponse.Builder().body(head + padding + tail).build());

    assertThat(auth.login(loginRequest())).isEqualTo("at-1");
  }

  private static String spaces(int n) {
    return new String(new char[n]).replace('\0', ' ');
  }

  // Point 10: Retry-After.

  @Test
  void retryAfterDateIsMeasuredOnTheServersClock() throws Exception {
    // The server's clock is 75 years ahead of this device's, as for a device reset to 1970.
    long serverNow = (clock.currentTimeMillis() / 1000 + 75L * 365 * 24 * 3600) * 1000;
    assertTooManyRequestsHoldsRefreshesBack(
        new MockResponse.Builder()
            .code(429)
            .addHeader("Date", httpDate(serverNow))
            .addHeader("Retry-After", httpDate(serverNow + 30_000)),
        30);
  }

  @ParameterizedTest
  @ValueSource(strings = {"date", "86400"})
  void retryAfterHoldsRefreshesBackForAnHourAtMost(String form) throws Exception {
    // Without a Date header, a date is measured on this device's clock, 75 years behind.
    long farAhead = clock.currentTimeMillis() + 75L * 365 * 24 * 3600 * 1000;
    String retryAfter = form.equals("date") ? httpDate(farAhead) : form;
    assertTooManyRequestsHoldsRefreshesBack(
        new MockResponse.Builder().code(429).addHeader("Retry-After", retryAfter), 3600);
  }

  /**
   * Signs in, has the token endpoint answer the first refresh with {@code tooMany}, and asserts
   * that the failure reports {@code seconds} and that no refresh is sent for exactly that long.
   */
  private void assertTooManyRequestsHoldsRefreshesBack(MockResponse.Builder tooMany, long seconds)
      throws Exception {
    TokenPairAuth auth = oauth2().build();
    OkHttpClient client = install(auth);
    auth.signIn("at-1", "rt-1");
    idp.enqueue(tooMany.build());

    assertThat(call(client)).isEqualTo(401);
    assertThat(((AuthResponseException) listener.events.get(0).failure()).retryAfterMillis())
        .isEqualTo(seconds * 1000);
    clock.advance(seconds - 1, TimeUnit.SECONDS);
    assertThat(call(client)).isEqualTo(401);
    assertThat(idp.getRequestCount()).isEqualTo(1); // Held back.

    clock.advance(1, TimeUnit.SECONDS);
    valid.add("at-2");
    idp.enqueue(tokens("at-2", "rt-2"));
    assertThat(call(client)).isEqualTo(200);
    assertThat(idp.getRequestCount()).isEqualTo(2);
  }

  // Point 13: expires_in as a string.

  @Test
  void expiresInAsANumericStringGivesAnOpaqueTokenItsExpiry() throws Exception {
    TokenPairAuth auth = oauth2().refreshAhead(30, TimeUnit.SECONDS).build();
    OkHttpClient client = install(auth);
    authAnswers.add(
        new MockResponse.Builder()
            .body(tokenJson("at-1", "rt-1", ",\"expires_in\":\"300\""))
            .build());
    auth.login(loginRequest());
    valid.add("at-1");
    valid.add("at-2");
    assertThat(call(client)).isEqualTo(200);
    assertThat(idp.getRequestCount()).isEqualTo(0);

    clock.advance(280, TimeUnit.SECONDS); // 20 s left: inside the 30 s margin.
    idp.enqueue(tokens("at-2", "rt-2"));
    assertThat(call(client)).isEqualTo(200);
    assertThat(idp.getRequestCount()).isEqualTo(1); // Refreshed ahead, before the call.
    assertThat(auth.accessToken()).isEqualTo("at-2");
  }

  // Point 16: what a refused or unusable answer tells the caller.

  @Test
  void refusalNamesTheServersErrorAndDescription() throws Exception {
    TokenPairAuth auth = oauth2().build();
    install(auth);
    authAnswers.add(
        new MockResponse.Builder()
            .code(400)
            .addHeader("Content-Type", "application/json")
            .body("{\"error\":\"invalid_request\",\"error_description\":\"Missing client_id\"}")
            .build());

    assertThatThrownBy(() -> auth.login(loginRequest()))
        .isInstanceOfSatisfying(
            AuthResponseException.class,
            e -> {
              assertThat(e.error()).isEqualTo("invalid_request");
              assertThat(e.errorDescription()).isEqualTo("Missing client_id");
            })
        .hasMessage("Login failed: HTTP 400 (invalid_request: Missing client_id).");
  }

  @Test
  void serverTextInTheMessageLosesControlCharactersAndIsBounded() throws Exception {
    TokenPairAuth auth = oauth2().build();
    install(auth);
    String longText = new String(new char[300]).replace('\0', 'y');
    authAnswers.add(
        new MockResponse.Builder()
            .code(400)
            .body(
                "{\"error\":\"invalid_request\\u001b[31m\",\"error_description\":"
                    + json("Bad\r\nX-Injected: \u202eyes\u0007 " + longText)
                    + "}")
            .build());

    String description = "Bad X-Injected: yes " + longText;
    String bounded = description.substring(0, 200) + "...";
    assertThatThrownBy(() -> auth.login(loginRequest()))
        .isInstanceOfSatisfying(
            AuthResponseException.class,
            e -> {
              assertThat(e.error()).isEqualTo("invalid_request [31m");
              assertThat(e.errorDescription()).isEqualTo(bounded);
            })
        .hasMessage("Login failed: HTTP 400 (invalid_request [31m: " + bounded + ").");
  }

  @Test
  void loginAnswerWithoutATokenIsAnAuthResponseException() throws Exception {
    TokenPairAuth auth = cookieProtocol().build();
    install(auth);
    authAnswers.add(new MockResponse.Builder().body("{\"data\":{}}").build());

    assertThatThrownBy(() -> auth.login(loginRequest()))
        .isInstanceOfSatisfying(
            AuthResponseException.class,
            e -> {
              assertThat(e.code()).isEqualTo(200);
              assertThat(e.endsSession()).isFalse();
              assertThat(e.retryAfterMillis()).isEqualTo(-1);
            })
        .hasMessage("The login response has no access token at /data/access_token.");
  }

  @Test
  void forceRefreshThrowsAnAuthResponseExceptionForAnUnusableAnswer() throws Exception {
    TokenPairAuth auth = oauth2().build();
    install(auth);
    auth.signIn("at-1", "rt-1");
    idp.enqueue(new MockResponse.Builder().body("{\"access_token\":\"at-2\"}").build());

    assertThatThrownBy(auth::forceRefresh)
        .isInstanceOfSatisfying(
            AuthResponseException.class, e -> assertThat(e.endsSession()).isFalse())
        .hasMessage("The refresh response's token_type is not Bearer or DPoP.");
    assertThat(auth.accessToken()).isEqualTo("at-1");
  }
}
