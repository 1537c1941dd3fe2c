import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writes and checks client-sdk's Gradle Module Metadata 1.1 file ({@code
 * <artifactId>-<version>.module}), in which Gradle consumers depend on {@code
 * com.squareup.okhttp3:okhttp} where the POM names {@code okhttp-jvm}.
 *
 * <p>Run through the JDK's source launcher with the module's runtime classpath (for Jackson).
 *
 * <ul>
 *   <li>{@code generate --template=F --output=F --jar=F --sources-jar=F --javadoc-jar=F}: completes
 *       the Maven-filtered template (variants, attributes, dependencies) with the component status
 *       and, in each variant, the jar it publishes with its size and checksums.
 *   <li>{@code check --module=F --pom=F --dependencies=F
 *       [--replace=group:mavenName:gradleName...]}: fails unless the module file is JSON whose
 *       first value is formatVersion 1.1; the POM carries the marker that makes Gradle read the
 *       module file; the API variant depends on exactly the compile-scope dependencies listed in F
 *       (the output of {@code dependency:list}, renamed by the replacements) at the same versions,
 *       the runtime variant on the compile and runtime ones and the documentation variants on
 *       nothing; and each variant lists its one jar, which lies beside the module file with the
 *       listed size, SHA-512, SHA-256, SHA-1 and MD5.
 * </ul>
 *
 * <p>Silent on success, so that {@code mvn -q} stays quiet; a failed check exits with status 1 and
 * prints one line per problem to standard error.
 */
public final class GradleModuleMetadata {
  private static final String MARKER = "<!-- do_not_remove: published-with-gradle-metadata -->";
  private static final List<String> CHECKSUMS = Arrays.asList("sha512", "sha256", "sha1", "md5");
  private static final Set<String> VARIANTS =
      new TreeSet<>(
          Arrays.asList("apiElements", "runtimeElements", "javadocElements", "sourcesElements"));
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final List<String> problems = new ArrayList<>();

  private void problem(String format, Object... args) {
    problems.add(String.format(format, args));
  }

  public static void main(String[] args) throws Exception {
    Map<String, List<String>> options = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String[] option = args[i].split("=", 2);
      if (!option[0].startsWith("--") || option.length != 2) {
        throw new IllegalArgumentException("Expected --option=value, got " + args[i]);
      }
      options.computeIfAbsent(option[0].substring(2), k -> new ArrayList<>()).add(option[1]);
    }
    GradleModuleMetadata tool = new GradleModuleMetadata();
    if (args.length > 0 && args[0].equals("generate")) {
      tool.generate(options);
    } else if (args.length > 0 && args[0].equals("check")) {
      tool.check(options);
    } else {
      throw new IllegalArgumentException("usage: GradleModuleMetadata generate|check --option=...");
    }
    if (!tool.problems.isEmpty()) {
      System.err.println("Gradle module metadata is not valid:");
      tool.problems.forEach(problem -> System.err.println("  - " + problem));
      System.exit(1);
    }
  }

  private void generate(Map<String, List<String>> options) throws Exception {
    JsonNode root = JSON.readTree(path(options, "template").toFile());
    ObjectNode component = (ObjectNode) root.get("component");
    String version = component.get("version").asText();
    component
        .putObject("attributes")
        .put("org.gradle.status", version.endsWith("-SNAPSHOT") ? "integration" : "release");
    for (JsonNode variant : root.get("variants")) {
      String classifier = classifier(variant);
      Path jar = path(options, classifier.isEmpty() ? "jar" : classifier + "-jar");
      String fileName = fileName(component, classifier);
      ObjectNode file = ((ObjectNode) variant).putArray("files").addObject();
      file.put("name", fileName);
      file.put("url", fileName);
      file.put("size", Files.size(jar));
      for (String algorithm : CHECKSUMS) {
        file.put(algorithm, hash(jar, algorithm));
      }
    }

    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(indenter)
            .withArrayIndenter(indenter);
    Path output = path(options, "output");
    Files.createDirectories(output.toAbsolutePath().getParent());
    Files.write(
        output,
        (JSON.writer(printer).writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private void check(Map<String, List<String>> options) throws Exception {
    Path module = path(options, "module");
    Path pom = path(options, "pom");
    if (!new String(Files.readAllBytes(pom), StandardCharsets.UTF_8).contains(MARKER)) {
      problem("%s lacks %s, without which Gradle ignores the module file", pom, MARKER);
    }
    JsonNode root;
    try {
      root = JSON.readTree(module.toFile());
    } catch (IOException e) {
      problem("%s is not valid JSON: %s", module, e.getMessage());
      return;
    }
    if (!root.toString().startsWith("{\"formatVersion\":\"1.1\",")) {
      problem("the first value must be formatVersion \"1.1\", not %s", root.get("formatVersion"));
    }
    Path dir = module.toAbsolutePath().getParent();
    Set<String> names = new TreeSet<>();
    for (JsonNode variant : root.path("variants")) {
      String name = variant.path("name").asText();
      names.add(name);
      Map<String, String> dependencies = new TreeMap<>();
      for (JsonNode dependency : variant.path("dependencies")) {
        String key = dependency.path("group").asText() + ":" + dependency.path("module").asText();
        if (dependencies.put(key, dependency.path("version").path("requires").asText()) != null) {
          problem("variant %s lists %s twice", name, key);
        }
      }
      String classifier = classifier(variant);
      boolean api = variant.path("attributes").path("org.gradle.usage").asText().equals("java-api");
      Map<String, String> want = classifier.isEmpty() ? resolved(options, !api) : new TreeMap<>();
      if (!dependencies.equals(want)) {
        problem("variant %s depends on %s, expected %s", name, dependencies, want);
      }
      checkFile(name, variant.path("files"), dir, fileName(root.path("component"), classifier));
    }
    if (!names.equals(VARIANTS)) {
      problem("the variants are %s, expected %s", names, VARIANTS);
    }
  }

  /** Checks that a variant lists just the jar {@code name} in dir, with its size and checksums. */
  private void checkFile(String variant, JsonNode files, Path dir, String name) throws Exception {
    JsonNode file = files.path(0);
    if (files.size() != 1
        || !file.path("name").asText().equals(name)
        || !file.path("url").asText().equals(name)) {
      problem("variant %s must list one file, %s, not %s", variant, name, files);
      return;
    }
    Path jar = dir.resolve(name);
    if (!Files.isRegularFile(jar)) {
      problem("variant %s lists %s, which does not exist", variant, jar);
      return;
    }
    if (file.path("size").asLong(-1) != Files.size(jar)) {
      problem(
          "variant %s lists size %s, but %s has %d bytes",
          variant, file.path("size"), jar, Files.size(jar));
    }
    for (String algorithm : CHECKSUMS) {
      String actual = hash(jar, algorithm);
      if (!file.path(algorithm).asText().equals(actual)) {
        problem(
            "variant %s lists %s %s, but %s has %s",
            variant, algorithm, file.path(algorithm), jar, actual);
      }
    }
  }

  /**
   * Maps group:artifact to version for the compile (and if runtime, runtime) dependencies in the
   * {@code dependency:list} output ({@code group:artifact:type[:classifier]:version:scope[ ...]}
   * lines), renamed by the {@code --replace} options.
   */
  private static Map<String, String> resolved(Map<String, List<String>> options, boolean runtime)
      throws IOException {
    Map<String, String> replacements = new TreeMap<>();
    for (String replace : options.getOrDefault("replace", Collections.emptyList())) {
      String[] parts = replace.split(":");
      replacements.put(parts[0] + ":" + parts[1], parts[0] + ":" + parts[2]);
    }
    Map<String, String> result = new TreeMap<>();
    for (String line : Files.readAllLines(path(options, "dependencies"))) {
      String[] parts = line.trim().split(" ")[0].split(":");
      String scope = parts[parts.length - 1];
      boolean consumed = scope.equals("compile") || runtime && scope.equals("runtime");
      if (parts.length >= 5 && consumed && !line.contains("(optional)")) {
        String key = parts[0] + ":" + parts[1];
        result.put(replacements.getOrDefault(key, key), parts[parts.length - 2]);
      }
    }
    return result;
  }

  /** The classifier of the jar a variant publishes: "" (library), "sources" or "javadoc". */
  private static String classifier(JsonNode variant) {
    JsonNode attributes = variant.path("attributes");
    String category = attributes.path("org.gradle.category").asText();
    String docsType = attributes.path("org.gradle.docstype").asText();
    return category.equals("library") ? "" : category.equals("documentation") ? docsType : "?";
  }

  private static String fileName(JsonNode component, String classifier) {
    String base = component.path("module").asText() + "-" + component.path("version").asText();
    return base + (classifier.isEmpty() ? "" : "-" + classifier) + ".jar";
  }

  private static String hash(Path file, String algorithm) throws Exception {
    String name = algorithm.equals("md5") ? "MD5" : "SHA-" + algorithm.substring(3);
    MessageDigest digest = MessageDigest.getInstance(name);
    byte[] bytes = digest.digest(Files.readAllBytes(file));
    return String.format("%0" + bytes.length * 2 + "x", new BigInteger(1, bytes));
  }

  private static Path path(Map<String, List<String>> options, String name) {
    List<String> values = options.getOrDefault(name, Collections.emptyList());
    if (values.size() != 1) {
      throw new IllegalArgumentException("Expected exactly one --" + name + "=...");
    }
    return Paths.get(values.get(0));
  }
}
