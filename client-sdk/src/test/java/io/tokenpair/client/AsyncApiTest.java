package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The async forms never block their caller and complete as their blocking forms return. */
@Timeout(20)
final class AsyncApiTest {
  @StartStop public final MockWebServer server = new MockWebServer();

  private final TokenServerDispatcher tokens = TokenServerDispatcher.create();
  private final CountDownLatch loginArrived = new CountDownLatch(1);
  private final CountDownLatch answerLogin = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    answerLogin.countDown();
    tokens.releaseRefreshes();
  }

  private TokenPairAuth auth() {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            if (request.getUrl().encodedPath().equals("/auth/login")) {
              loginArrived.countDown();
              answerLogin.await();
            }
            return tokens.dispatch(request);
          }
        });
    TokenPairAuth auth = TokenPairAuth.builder().baseUrl(server.url("/")).build();
    auth.install(new OkHttpClient.Builder());
    return auth;
  }

  private Request login(String password) {
    return new Request.Builder()
        .url(server.url("/auth/login"))
        .post(
            RequestBody.create(
                "{\"username\":\"demo\",\"password\":\"" + password + "\"}",
                MediaType.get("application/json")))
        .build();
  }

  @Test
  void loginAsyncReturnsBeforeTheServerAnswers() throws Exception {
    TokenPairAuth auth = auth();
    CompletableFuture<String> login = auth.loginAsync(login("demo-password"));
    assertThat(loginArrived.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(login).isNotDone(); // The server holds its answer; the caller was never held.

    answerLogin.countDown();
    assertThat(login.get()).isEqualTo(auth.accessToken());
    assertThat(tokens.loginCount()).isEqualTo(1);
  }

  @Test
  void asyncFormsCompleteWithTheBlockingFormsExceptions() throws Exception {
    TokenPairAuth auth = auth();
    answerLogin.countDown();
    assertThatThrownBy(() -> auth.loginAsync(login("wrong")).get())
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(AuthResponseException.class);
    assertThatThrownBy(() -> auth.forceRefreshAsync().get())
        .isInstanceOf(ExecutionException.class)
        .cause()
        .hasMessage("The token refresh failed.");
    assertThatThrownBy(() -> auth.signInAsync("at", "rt").get())
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void cancelingOneRefreshFutureLeavesTheSharedRefreshToTheOthers() throws Exception {
    TokenPairAuth auth = auth();
    answerLogin.countDown();
    auth.loginAsync(login("demo-password")).get();
    tokens.holdRefreshes();

    CompletableFuture<String> canceled = auth.forceRefreshAsync();
    assertThat(tokens.awaitRefreshes(1, 10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> joined = auth.forceRefreshAsync();
    assertThat(canceled.cancel(true)).isTrue();
    tokens.releaseRefreshes();

    assertThat(joined.get()).isEqualTo(auth.accessToken());
    assertThat(canceled).isCancelled();
    assertThat(tokens.refreshCount()).isEqualTo(1);
  }

  @Test
  void logoutAsyncEndsTheSession() throws Exception {
    TokenPairAuth auth = auth();
    answerLogin.countDown();
    auth.loginAsync(login("demo-password")).get();

    auth.logoutAsync().get();
    auth.setAccessTokenAsync(null).get();

    assertThat(auth.accessToken()).isNull();
    assertThat(tokens.logoutCount()).isEqualTo(1);
  }
}
