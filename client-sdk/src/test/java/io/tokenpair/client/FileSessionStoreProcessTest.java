package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real child JVMs sharing one {@link FileSessionStore}: the cases of two app instances and of a
 * killed process.
 */
@Timeout(60)
final class FileSessionStoreProcessTest {
  @StartStop public final MockWebServer server = new MockWebServer();

  @TempDir File folder;

  private final List<Child> children = new ArrayList<>();
  private TokenServerDispatcher tokens;

  @AfterEach
  void tearDown() {
    if (tokens != null) tokens.releaseRefreshes();
    for (Child child : children) child.process.destroyForcibly();
  }

  private File file() {
    return new File(folder, "session.json");
  }

  /**
   * Signs in from this process, then expires the access token on the server and holds refreshes.
   */
  private void signInThenExpire(TokenServerDispatcher dispatcher) throws IOException {
    tokens = dispatcher;
    server.setDispatcher(tokens);
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .sessionStore(FileSessionStore.of(file()))
            .build();
    auth.login(DemoLogin.request(server));
    tokens.expireAccessTokens();
    tokens.holdRefreshes();
  }

  private Child start(String path, String mode) throws IOException {
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process process =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                SessionChild.class.getName(),
                server.url("/").toString(),
                file().getPath(),
                path,
                mode)
            .redirectErrorStream(true)
            .start();
    Child child = new Child(process);
    children.add(child);
    return child;
  }

  /** The call of a process that starts after the others, in this JVM. */
  private int nextStart(String path) throws IOException {
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .sessionStore(FileSessionStore.of(file()))
            .build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    try (Response response =
        client.newCall(new Request.Builder().url(server.url(path)).build()).execute()) {
      return response.code();
    }
  }

  @Test
  void twoProcessesSharingTheStoreRefreshOnceAndBothSucceed() throws Exception {
    signInThenExpire(TokenServerDispatcher.create());
    Child a = start("/api/a", "shared");
    Child b = start("/api/b", "shared");
    assertThat(tokens.awaitRequestCount("/api/a", 1, 30, TimeUnit.SECONDS)).isTrue();
    assertThat(tokens.awaitRequestCount("/api/b", 1, 30, TimeUnit.SECONDS)).isTrue();
    assertThat(tokens.awaitRequestCount("/auth/refresh", 1, 30, TimeUnit.SECONDS)).isTrue();
    tokens
        .releaseRefreshes(); // The other process waits on the file lock, then adopts the new token.

    assertThat(a.awaitLine("STATUS ")).isEqualTo("STATUS 200");
    assertThat(b.awaitLine("STATUS ")).isEqualTo("STATUS 200");
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0);
    assertThat(tokens.requestCount("/api/a") + tokens.requestCount("/api/b")).isEqualTo(4);
  }

  @Test
  void withoutTheLockTheSecondProcessTripsReuseDetection() throws Exception {
    signInThenExpire(TokenServerDispatcher.create());
    Child a = start("/api/a", "unlocked");
    Child b = start("/api/b", "unlocked");
    assertThat(tokens.awaitRequestCount("/auth/refresh", 2, 30, TimeUnit.SECONDS)).isTrue();
    tokens.releaseRefreshes();

    a.awaitLine("STATUS ");
    b.awaitLine("STATUS ");
    assertThat(tokens.reuseDetectedCount()).isEqualTo(1);
    assertThat(tokens.activeSessionCount()).isEqualTo(0); // Both instances are signed out.
  }

  @Test
  void processKilledDuringTheRefreshLeavesACookieTheRotationGraceAccepts() throws Exception {
    signInThenExpire(TokenServerDispatcher.builder().rotationGrace(1, TimeUnit.MINUTES).build());
    Child child = start("/api/a", "shared");
    assertThat(tokens.awaitRequestCount("/auth/refresh", 1, 30, TimeUnit.SECONDS)).isTrue();
    child.process.destroyForcibly().waitFor(); // kill -9 while the server works on the refresh.
    tokens.releaseRefreshes(); // The server rotates; the answer goes nowhere.
    assertThat(tokens.awaitRequestCount("/auth/refresh", 1, 30, TimeUnit.SECONDS)).isTrue();

    assertThat(nextStart("/api/b")).isEqualTo(200);
    assertThat(tokens.refreshCount()).isEqualTo(2);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0);
  }

  @Test
  void processKilledWhileWritingLeavesThePreviousFileIntact() throws Exception {
    signInThenExpire(TokenServerDispatcher.builder().rotationGrace(1, TimeUnit.MINUTES).build());
    String before = FileSessionStore.of(file()).loadCookies().get(0).value();
    tokens.releaseRefreshes();
    Child child = start("/api/a", "stall-write");
    assertThat(child.awaitLine("RENAMING")).isEqualTo("RENAMING");
    child.process.destroyForcibly().waitFor(); // kill -9 between fsync and rename.

    assertThat(new File(folder, "session.json.tmp")).exists();
    assertThat(FileSessionStore.of(file()).loadCookies().get(0).value()).isEqualTo(before);
    assertThat(nextStart("/api/b")).isEqualTo(200);
    assertThat(tokens.reuseDetectedCount()).isEqualTo(0);
    assertThat(FileSessionStore.of(file()).loadCookies().get(0).value()).isNotEqualTo(before);
  }

  @Test
  @Timeout(30)
  void lockHeldByAnotherProcessFailsRefreshLogoutAndLoginAtTheRefreshTimeout() throws Exception {
    tokens = TokenServerDispatcher.create();
    server.setDispatcher(tokens);
    BlockingQueue<RefreshEvent> refreshes = new LinkedBlockingQueue<>();
    TokenPairAuth auth =
        TokenPairAuth.builder()
            .baseUrl(server.url("/"))
            .sessionStore(FileSessionStore.of(file()))
            .refreshTimeout(300, TimeUnit.MILLISECONDS)
            .listener(
                new SessionListener() {
                  @Override
                  public void onRefreshEvent(RefreshEvent event) {
                    refreshes.add(event);
                  }
                })
            .build();
    auth.login(DemoLogin.request(server));
    Child holder = start("/", "hold-lock");
    assertThat(holder.awaitLine("LOCKED")).isEqualTo("LOCKED");

    String timedOut = "Timed out after 300 ms waiting for the session lock " + file() + ".lock.";
    assertThatThrownBy(auth::forceRefresh).isInstanceOf(IOException.class);
    // The refresh itself failed at the lock (the caller may have stopped waiting a moment before).
    assertThat(refreshes.poll(10, TimeUnit.SECONDS).failure()).hasMessage(timedOut);
    assertThatThrownBy(auth::logout).isInstanceOf(IOException.class).hasMessage(timedOut);
    assertThatThrownBy(() -> auth.login(DemoLogin.request(server)))
        .isInstanceOf(IOException.class)
        .hasMessage(timedOut);
    assertThat(tokens.refreshCount()).isEqualTo(0);

    holder.process.destroyForcibly().waitFor(); // The lock dies with its process.
    assertThat(auth.forceRefresh()).isNotNull();
    assertThat(tokens.refreshCount()).isEqualTo(1);
  }

  /** A child JVM and the lines it prints. */
  private static final class Child {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Child(Process process) {
      this.process = process;
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = in.readLine()) != null; ) lines.add(line);
                } catch (IOException ignored) {
                  // The process was killed.
                }
              });
      reader.setDaemon(true);
      reader.start();
    }

    /**
     * Returns the first line starting with {@code prefix}; fails with everything printed if none
     * comes.
     */
    String awaitLine(String prefix) throws InterruptedException {
      List<String> seen = new ArrayList<>();
      for (String line; (line = lines.poll(30, TimeUnit.SECONDS)) != null; ) {
        if (line.startsWith(prefix)) return line;
        seen.add(line);
      }
      throw new AssertionError("no line starting with " + prefix + "; the child printed " + seen);
    }
  }
}
