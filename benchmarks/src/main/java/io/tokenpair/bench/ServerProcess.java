package io.tokenpair.bench;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo server as a child process ({@code io.tokenpair.demo.Main} on this JVM's class path, or
 * the class path in the system property {@code soak.server.classpath}), started on an ephemeral
 * port with the given flags and environment, and killed with SIGKILL. Its output goes to a log
 * file, appended across restarts. Not thread-safe: one thread starts and kills it.
 */
final class ServerProcess implements Closeable {
  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  private final List<String> command;
  private final List<String[]> environment;
  private final Path log;
  private Process process;
  private int starts;

  /**
   * @param flags the demo server's flags; {@code --port 0} and {@code --host 127.0.0.1} are added.
   * @param environment name and value pairs added to the child's environment.
   * @param log the file that receives the child's output.
   */
  ServerProcess(List<String> flags, List<String[]> environment, Path log) {
    List<String> c = new ArrayList<>();
    c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    c.add("-Xms64m");
    c.add("-Xmx512m");
    c.add("-cp");
    c.add(System.getProperty("soak.server.classpath", System.getProperty("java.class.path")));
    c.add("io.tokenpair.demo.Main");
    c.addAll(List.of("--host", "127.0.0.1", "--port", "0"));
    c.addAll(flags);
    this.command = List.copyOf(c);
    this.environment = List.copyOf(environment);
    this.log = log;
  }

  /**
   * {@code JWT_SECRET} and {@code JWT_REFRESH_SECRET}, 32 random bytes each (base64url), for the
   * environment: fixed for as long as the caller keeps them, so tokens outlive a restart.
   */
  static List<String[]> randomSecrets() {
    SecureRandom random = new SecureRandom();
    List<String[]> env = new ArrayList<>();
    for (String name : List.of("JWT_SECRET", "JWT_REFRESH_SECRET")) {
      byte[] bytes = new byte[32];
      random.nextBytes(bytes);
      env.add(new String[] {name, Base64.getUrlEncoder().withoutPadding().encodeToString(bytes)});
    }
    return List.copyOf(env);
  }

  /** Starts the server and returns its port once it has printed that it listens. */
  int start() throws IOException, InterruptedException {
    if (process != null && process.isAlive()) throw new IllegalStateException("already running");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    for (String[] pair : environment) builder.environment().put(pair[0], pair[1]);
    Process started = builder.start();
    process = started;
    int start = ++starts;
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader =
        new Thread(() -> copyOutput(started, start, port), "soak-server-output-" + start);
    reader.setDaemon(true);
    reader.start();
    try {
      return port.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      started.destroyForcibly();
      throw new IOException("demo server did not start; see " + log, e);
    }
  }

  private void copyOutput(Process p, int start, CompletableFuture<Integer> port) {
    try (BufferedReader in =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out =
            new PrintWriter(
                Files.newBufferedWriter(
                    log,
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND),
                true)) {
      out.println("=== start " + start + " (pid " + p.pid() + ")");
      String line;
      while ((line = in.readLine()) != null) {
        out.println(line);
        Matcher m = LISTENING.matcher(line);
        if (!port.isDone() && m.find()) port.complete(Integer.parseInt(m.group(1)));
      }
      out.println("=== end of output of start " + start);
    } catch (IOException e) {
      port.completeExceptionally(e);
    } finally {
      port.completeExceptionally(new IOException("the server exited before listening"));
    }
  }

  /** SIGKILL (on Unix, {@link Process#destroyForcibly()}), then waits until the process is gone. */
  void kill() throws InterruptedException {
    if (process == null) return;
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the demo server did not die");
    }
  }

  @Override
  public void close() {
    if (process != null) process.destroyForcibly();
  }
}
