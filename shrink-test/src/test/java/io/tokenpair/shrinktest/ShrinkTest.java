package io.tokenpair.shrinktest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * R8 9.5.29 on a small app that uses client-sdk, as an Android app's release build runs it, with
 * the app's own keep rules ({@code src/main/r8/app.pro}) and the rules inside client-sdk's jar, and
 * nothing else. R8 is forked from the jar Maven copied to {@code target/shrink-test/tools}.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES) // R8 takes 1-2 minutes a run on 2 cores.
final class ShrinkTest {
  private static final Path WORK = Paths.get(System.getProperty("shrink.work"));
  private static final String SDK_APP = "io.tokenpair.shrinktest.sdk.SdkApp";

  @TempDir Path temp;

  @Test
  void dexAtTheMinimumApiNeedsOnlyTheShippedRules() throws Exception {
    Path dex = dex("sdk", path -> true);
    System.out.println("classes.dex of the app that uses client-sdk: " + dexBytes(dex) + " bytes");
  }

  @Test
  void shrunkObfuscatedAppBehavesAsTheUnshrunkOne() throws Exception {
    Path shrunk = WORK.resolve("sdk-shrunk.jar");
    List<String> args = new ArrayList<>(Arrays.asList("--release", "--classfile"));
    args.addAll(Arrays.asList("--lib", System.getProperty("java.home")));
    args.addAll(Arrays.asList("--pg-conf", System.getProperty("shrink.appRules")));
    args.addAll(Arrays.asList("--pg-map-output", WORK.resolve("sdk-shrunk.map").toString()));
    args.addAll(Arrays.asList("--output", shrunk.toString(), appJar("sdk").toString()));
    args.addAll(runtimeClasspath(path -> true));
    r8(args);
    // Obfuscated: the SDK's internal classes are renamed.
    try (ZipFile jar = new ZipFile(shrunk.toFile())) {
      assertThat(jar.getEntry("io/tokenpair/client/Refresh.class")).isNull();
    }

    List<String> unshrunkRun = new ArrayList<>(runtimeClasspath(path -> true));
    unshrunkRun.add(0, System.getProperty("shrink.appClasses"));
    List<String> expected = runApp(String.join(File.pathSeparator, unshrunkRun), "unshrunk");
    assertThat(expected).endsWith("all steps passed");
    assertThat(runApp(shrunk.toString(), "shrunk")).isEqualTo(expected);
  }

  /**
   * The DEX bytes client-sdk adds to an app that makes one OkHttp call, and for comparison what
   * jackson-databind's tree model adds to it (the SDK does not use Jackson). A measurement for
   * docs/benchmarks.md, not a check: run with {@code -Dshrink.measure=true}.
   */
  @Test
  void measureDexBytes() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("shrink.measure"), "-Dshrink.measure=true");
    long okhttp = dexBytes(dex("okhttp", path -> !isJackson(path) && !isSdk(path)));
    long jackson = dexBytes(dex("jackson", path -> !isSdk(path)));
    long sdk = dexBytes(dex("sdk", path -> true));
    String report =
        String.format(
            "DEX bytes at --min-api %s: OkHttp only %,d; OkHttp + Jackson tree model %,d;"
                + " client-sdk app %,d; client-sdk adds %,d, the Jackson tree model %,d%n",
            System.getProperty("shrink.minApi"),
            okhttp,
            jackson,
            sdk,
            sdk - okhttp,
            jackson - okhttp);
    System.out.print(report);
    Files.write(WORK.resolve("dex-sizes.txt"), report.getBytes(StandardCharsets.UTF_8));
  }

  private static boolean isJackson(String path) {
    return path.contains("jackson");
  }

  private static boolean isSdk(String path) {
    return path.contains("client-sdk") || path.contains("jspecify");
  }

  /**
   * DEX of one app at the minimum API, with the Android framework and its JDK classes as library.
   */
  private Path dex(String app, Predicate<String> dependencies) throws Exception {
    Path output = WORK.resolve(app + "-dex.zip");
    List<String> args = new ArrayList<>(Arrays.asList("--release"));
    args.addAll(Arrays.asList("--min-api", System.getProperty("shrink.minApi")));
    args.addAll(Arrays.asList("--lib", System.getProperty("shrink.android")));
    args.addAll(Arrays.asList("--lib", jdkClassesOfAndroid().toString()));
    args.addAll(Arrays.asList("--pg-conf", System.getProperty("shrink.appRules")));
    List<String> classpath = runtimeClasspath(dependencies);
    if (classpath.stream().noneMatch(ShrinkTest::isSdk)) {
      // The baselines need OkHttp's rules as well, which here travel in the SDK's jar.
      args.addAll(Arrays.asList("--pg-conf", sdkRules().toString()));
    }
    args.addAll(Arrays.asList("--output", output.toString(), appJar(app).toString()));
    args.addAll(classpath);
    r8(args);
    return output;
  }

  /** The rules inside client-sdk's jar, as a file. */
  private static Path sdkRules() throws IOException {
    String sdk =
        runtimeClasspath(ShrinkTest::isSdk).stream()
            .filter(path -> path.contains("client-sdk"))
            .findFirst()
            .orElseThrow(IllegalStateException::new);
    Path rules = WORK.resolve("client-sdk-rules.pro");
    try (ZipFile jar = new ZipFile(sdk)) {
      ZipEntry entry = jar.getEntry("META-INF/proguard/io.tokenpair_client-sdk.pro");
      Files.copy(jar.getInputStream(entry), rules, StandardCopyOption.REPLACE_EXISTING);
    }
    return rules;
  }

  private static long dexBytes(Path zip) throws IOException {
    try (ZipFile dex = new ZipFile(zip.toFile())) {
      return dex.stream()
          .filter(entry -> entry.getName().matches("classes\\d*\\.dex"))
          .mapToLong(ZipEntry::getSize)
          .sum();
    }
  }

  private static void r8(List<String> args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(Arrays.asList("-Xmx3g", "-cp", System.getProperty("shrink.r8")));
    command.add("com.android.tools.r8.R8");
    command.addAll(args);
    Path log = Files.createTempFile(WORK, "r8-", ".log");
    Process r8 =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean done = r8.waitFor(15, TimeUnit.MINUTES);
    if (!done) r8.destroyForcibly();
    String output = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    assertThat(done && r8.exitValue() == 0).as("R8 %s failed:%n%s", args, output).isTrue();
    // R8's own diagnostics: a missing class is an error (above); warnings other than duplicate
    // META-INF resources mean a rule is missing.
    List<String> warnings =
        Arrays.stream(output.split("\n"))
            .filter(line -> line.startsWith("Warning"))
            .filter(line -> !line.matches("Warning: Resource 'META-INF/.*' already exists\\."))
            .collect(Collectors.toList());
    assertThat(warnings).as(output).isEmpty();
  }

  /** Runs the SDK app against a token server on loopback; returns its lines. */
  private List<String> runApp(String classpath, String name) throws Exception {
    TokenServerDispatcher tokens = TokenServerDispatcher.builder().passwordGrant().build();
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
              if (!request.getUrl().encodedPath().equals("/test/expire")) {
                return tokens.dispatch(request);
              }
              tokens.expireAccessTokens();
              return new MockResponse.Builder().code(204).build();
            }
          });
      server.start();
      Path folder = Files.createDirectories(temp.resolve(name));
      Path log = temp.resolve(name + ".log");
      Process app =
          new ProcessBuilder(
                  Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  classpath,
                  SDK_APP,
                  server.url("/").toString(),
                  folder.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      boolean done = app.waitFor(2, TimeUnit.MINUTES);
      if (!done) app.destroyForcibly();
      List<String> lines = Files.readAllLines(log);
      assertThat(done && app.exitValue() == 0).as("the %s app: %s", name, lines).isTrue();
      assertThat(tokens.loginCount()).isEqualTo(2);
      assertThat(tokens.refreshCount()).isEqualTo(3); // Cookie: expired, forced; oauth2: expired.
      assertThat(tokens.tokenRefreshCount()).isEqualTo(1);
      assertThat(tokens.reuseDetectedCount()).isEqualTo(0);
      assertThat(tokens.logoutCount()).isEqualTo(1);
      return lines;
    }
  }

  /** The app's own classes, one package of target/classes, as R8's program input. */
  private static Path appJar(String app) throws IOException {
    Path classes = Paths.get(System.getProperty("shrink.appClasses"));
    return zip(
        classes, classes.resolve("io/tokenpair/shrinktest/" + app), WORK.resolve(app + "-app.jar"));
  }

  /**
   * The app's runtime classpath (the SDK and its dependencies, from {@code
   * dependency:build-classpath}). A reactor module that is not packaged yet is a folder; R8 reads
   * jars, so it is zipped.
   */
  private static List<String> runtimeClasspath(Predicate<String> filter) throws IOException {
    String text =
        new String(
                Files.readAllBytes(Paths.get(System.getProperty("shrink.classpath"))),
                StandardCharsets.UTF_8)
            .trim();
    List<String> jars = new ArrayList<>();
    for (String entry : text.split(File.pathSeparator)) {
      Path path = Paths.get(entry);
      if (Files.isDirectory(path)) {
        String name = path.getParent().getParent().getFileName() + "-classes.jar";
        path = zip(path, path, WORK.resolve(name));
        entry = path.toString();
      }
      if (filter.test(entry)) jars.add(entry);
    }
    return jars;
  }

  /**
   * The JDK modules that Android has (java.base, java.logging, java.sql, java.xml) as one jar: the
   * Robolectric android-all jars hold almost no {@code java.*} classes. Not java.desktop: Android
   * has only a sliver of java.beans.
   */
  private static synchronized Path jdkClassesOfAndroid() throws IOException {
    Path jar = WORK.resolve("jdk-android.jar");
    if (Files.exists(jar)) return jar;
    Path partial = WORK.resolve("jdk-android.jar.partial");
    FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(partial))) {
      for (String module : Arrays.asList("java.base", "java.logging", "java.sql", "java.xml")) {
        Path root = jrt.getPath("modules", module);
        try (Stream<Path> files = Files.walk(root)) {
          for (Path file : (Iterable<Path>) files::iterator) {
            String name = root.relativize(file).toString();
            if (!name.endsWith(".class") || name.equals("module-info.class")) continue;
            out.putNextEntry(new ZipEntry(name));
            Files.copy(file, out);
            out.closeEntry();
          }
        }
      }
    }
    return Files.move(partial, jar);
  }

  private static Path zip(Path root, Path folder, Path jar) throws IOException {
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(folder)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        if (Files.isDirectory(file)) continue;
        out.putNextEntry(
            new ZipEntry(root.relativize(file).toString().replace(File.separatorChar, '/')));
        Files.copy(file, out);
        out.closeEntry();
      }
    }
    return jar;
  }
}
