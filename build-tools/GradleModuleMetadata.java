import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Generates and checks the Gradle Module Metadata 1.1 file ({@code <artifactId>-<version>.module})
 * that the Maven build publishes beside a library's POM.
 *
 * <p>Run from Maven with exec-maven-plugin through the JDK's source launcher, with the module's
 * runtime classpath (for Jackson): {@code java -cp <classpath> GradleModuleMetadata.java <command>
 * --option=value...}.
 *
 * <ul>
 *   <li>{@code generate --template=F --output=F --jar=F --sources-jar=F --javadoc-jar=F}: reads the
 *       Maven-filtered template (component, variants, attributes, dependencies), sets the component
 *       status and adds to each variant the {@code files} entry of the jar it publishes, with size
 *       and checksums.
 *   <li>{@code check --module=F --pom=F --group=G --artifact=A --version=V --jvm-version=N
 *       --dependency=g:m:v... [--replace=g:pomModule:gradleModule...] [--same-as=F]}: fails unless
 *       the module file has the shape of the specification, exactly the expected variants,
 *       attributes and dependencies (the POM's compile and runtime dependencies, after the
 *       replacements), the POM carries the Gradle metadata marker, and every listed file lies
 *       beside the module file with the listed size and checksums. Used on the packaged files and
 *       on the installed ones.
 * </ul>
 *
 * <p>Any failure exits with status 1 and one message per problem.
 */
public final class GradleModuleMetadata {
  private static final String MARKER = "do_not_remove: published-with-gradle-metadata";
  private static final List<String> CHECKSUMS = Arrays.asList("sha512", "sha256", "sha1", "md5");
  private static final Set<String> TOP_LEVEL_KEYS =
      set("formatVersion", "component", "createdBy", "variants");
  private static final Set<String> COMPONENT_KEYS =
      set("group", "module", "version", "url", "attributes");
  private static final Set<String> VARIANT_KEYS =
      set(
          "name",
          "attributes",
          "available-at",
          "dependencies",
          "dependencyConstraints",
          "files",
          "capabilities");
  private static final Set<String> DEPENDENCY_KEYS =
      set(
          "group",
          "module",
          "version",
          "excludes",
          "reason",
          "attributes",
          "requestedCapabilities",
          "endorseStrictVersions",
          "thirdPartyCompatibility");
  private static final Set<String> VERSION_KEYS = set("requires", "prefers", "strictly", "rejects");
  private static final Set<String> FILE_KEYS =
      set("name", "url", "size", "sha512", "sha256", "sha1", "md5");

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final List<String> problems = new ArrayList<>();

  private GradleModuleMetadata() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException(
          "usage: GradleModuleMetadata generate|check --option=value");
    }
    Map<String, List<String>> options = options(Arrays.copyOfRange(args, 1, args.length));
    GradleModuleMetadata tool = new GradleModuleMetadata();
    switch (args[0]) {
      case "generate":
        tool.generate(options);
        break;
      case "check":
        tool.check(options);
        break;
      default:
        throw new IllegalArgumentException("Unknown command: " + args[0]);
    }
    if (!tool.problems.isEmpty()) {
      System.err.println("Gradle module metadata is not valid:");
      for (String problem : tool.problems) {
        System.err.println("  - " + problem);
      }
      System.exit(1);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // generate

  private void generate(Map<String, List<String>> options) throws IOException {
    Path template = path(options, "template");
    Path output = path(options, "output");
    Map<String, Path> jars = new LinkedHashMap<>();
    jars.put("", path(options, "jar"));
    jars.put("sources", path(options, "sources-jar"));
    jars.put("javadoc", path(options, "javadoc-jar"));

    JsonNode root = read(template);
    Iterator<String> names = root.fieldNames();
    if (!names.hasNext() || !names.next().equals("formatVersion")) {
      throw new IllegalStateException(template + ": formatVersion must be the first value");
    }
    ObjectNode component = (ObjectNode) root.get("component");
    String artifactId = component.get("module").asText();
    String version = component.get("version").asText();
    component
        .putObject("attributes")
        .put("org.gradle.status", version.endsWith("-SNAPSHOT") ? "integration" : "release");

    for (JsonNode variant : root.get("variants")) {
      String classifier = classifier(variant.get("attributes"));
      Path jar = jars.get(classifier);
      if (jar == null || !Files.isRegularFile(jar)) {
        throw new IllegalStateException(
            "Variant " + variant.get("name").asText() + " publishes " + jar + ", which is missing");
      }
      String fileName = fileName(artifactId, version, classifier);
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
    String json = JSON.writer(printer).writeValueAsString(root) + "\n";
    Files.createDirectories(output.toAbsolutePath().getParent());
    Files.write(output, json.getBytes(StandardCharsets.UTF_8));
    System.out.println("Wrote " + output);
  }

  /** The Maven classifier of the jar that a variant publishes: "", "sources" or "javadoc". */
  private static String classifier(JsonNode attributes) {
    String category = attributes.path("org.gradle.category").asText();
    if (category.equals("library")) {
      return "";
    }
    if (category.equals("documentation")) {
      return attributes.path("org.gradle.docstype").asText();
    }
    throw new IllegalStateException("No jar for variant attributes " + attributes);
  }

  private static String fileName(String artifactId, String version, String classifier) {
    return artifactId + "-" + version + (classifier.isEmpty() ? "" : "-" + classifier) + ".jar";
  }

  // ---------------------------------------------------------------------------------------------
  // check

  private void check(Map<String, List<String>> options) throws Exception {
    Path modulePath = path(options, "module");
    Path pomPath = path(options, "pom");
    String group = one(options, "group");
    String artifact = one(options, "artifact");
    String version = one(options, "version");
    int jvmVersion = Integer.parseInt(one(options, "jvm-version"));
    Map<String, String> expectedDependencies = new TreeMap<>();
    for (String dependency : options.getOrDefault("dependency", new ArrayList<>())) {
      int lastColon = dependency.lastIndexOf(':');
      expectedDependencies.put(
          dependency.substring(0, lastColon), dependency.substring(lastColon + 1));
    }
    Map<String, String> replacements = new TreeMap<>();
    for (String replace : options.getOrDefault("replace", new ArrayList<>())) {
      String[] parts = replace.split(":");
      replacements.put(parts[0] + ":" + parts[1], parts[0] + ":" + parts[2]);
    }

    if (!Files.isRegularFile(modulePath)) {
      problems.add("missing module file " + modulePath);
      return;
    }
    String expectedName = artifact + "-" + version + ".module";
    if (!modulePath.getFileName().toString().equals(expectedName)) {
      problems.add("module file is named " + modulePath.getFileName() + ", not " + expectedName);
    }
    if (options.containsKey("same-as")) {
      Path other = path(options, "same-as");
      if (!Arrays.equals(Files.readAllBytes(modulePath), Files.readAllBytes(other))) {
        problems.add(modulePath + " differs from " + other);
      }
    }

    JsonNode root;
    try {
      root = read(modulePath);
    } catch (IOException e) {
      problems.add("not valid JSON: " + e.getMessage());
      return;
    }
    checkShape(root);
    if (!problems.isEmpty()) {
      return;
    }

    JsonNode component = root.get("component");
    expect("component.group", component.get("group"), group);
    expect("component.module", component.get("module"), artifact);
    expect("component.version", component.get("version"), version);
    if (component.has("url")) {
      problems.add("component.url must be absent: this file describes the whole component");
    }
    expect(
        "component.attributes.org.gradle.status",
        component.path("attributes").get("org.gradle.status"),
        version.endsWith("-SNAPSHOT") ? "integration" : "release");

    // Without --dependency (the check of installed files), the dependencies are not compared: the
    // module file must then be identical (--same-as) to the one fully checked before.
    boolean checkDependencies = options.containsKey("dependency");
    Map<String, String> pomDependencies = checkPom(pomPath, version);
    Map<String, String> gradleDependencies = new TreeMap<>();
    for (Map.Entry<String, String> entry : pomDependencies.entrySet()) {
      gradleDependencies.put(
          replacements.getOrDefault(entry.getKey(), entry.getKey()), entry.getValue());
    }
    if (checkDependencies && !gradleDependencies.keySet().equals(expectedDependencies.keySet())) {
      problems.add(
          "the POM's dependencies "
              + pomDependencies.keySet()
              + " map to "
              + gradleDependencies.keySet()
              + " for Gradle, but the check expects "
              + expectedDependencies.keySet());
    }

    Map<String, Map<String, Object>> expectedVariants = new LinkedHashMap<>();
    expectedVariants.put("apiElements", library("java-api", jvmVersion));
    expectedVariants.put("runtimeElements", library("java-runtime", jvmVersion));
    expectedVariants.put("javadocElements", documentation("javadoc"));
    expectedVariants.put("sourcesElements", documentation("sources"));

    Set<String> seen = new HashSet<>();
    for (JsonNode variant : root.get("variants")) {
      String name = variant.get("name").asText();
      Map<String, Object> expectedAttributes = expectedVariants.get(name);
      if (expectedAttributes == null) {
        problems.add("unexpected variant " + name);
        continue;
      }
      seen.add(name);
      Map<String, Object> attributes =
          JSON.convertValue(variant.get("attributes"), new TypeReference<Map<String, Object>>() {});
      if (!new TreeMap<>(attributes).equals(new TreeMap<>(expectedAttributes))) {
        problems.add(
            "variant "
                + name
                + " has attributes "
                + attributes
                + ", expected "
                + expectedAttributes);
      }
      Map<String, String> dependencies = dependencies(name, variant.get("dependencies"));
      Map<String, String> expected =
          "library".equals(expectedAttributes.get("org.gradle.category"))
              ? expectedDependencies
              : new TreeMap<>();
      if (checkDependencies && !dependencies.equals(expected)) {
        problems.add("variant " + name + " depends on " + dependencies + ", expected " + expected);
      }
      for (String jvmOnly : replacements.keySet()) {
        if (dependencies.containsKey(jvmOnly)) {
          problems.add("variant " + name + " must not depend on " + jvmOnly + " for Gradle");
        }
      }
      String classifier = classifier(variant.get("attributes"));
      Path jar =
          checkFiles(
              name, variant.get("files"), modulePath, fileName(artifact, version, classifier));
      if (jar != null && classifier.isEmpty() && options.containsKey("automatic-module-name")) {
        checkManifest(jar, one(options, "automatic-module-name"));
      }
    }
    for (String name : expectedVariants.keySet()) {
      if (!seen.contains(name)) {
        problems.add("missing variant " + name);
      }
    }
    if (problems.isEmpty()) {
      System.out.println(
          "Gradle module metadata OK: "
              + modulePath
              + " ("
              + seen.size()
              + " variants"
              + (checkDependencies ? ", dependencies " + expectedDependencies : "")
              + ")");
    }
  }

  /** Checks the structure that the specification requires, independently of this library. */
  private void checkShape(JsonNode root) {
    if (!root.isObject()) {
      problems.add("the file must contain a JSON object");
      return;
    }
    Iterator<String> names = root.fieldNames();
    if (!names.hasNext() || !names.next().equals("formatVersion")) {
      problems.add("formatVersion must be the first value");
    }
    expect("formatVersion", root.get("formatVersion"), "1.1");
    onlyKeys("the top level", root, TOP_LEVEL_KEYS);
    JsonNode component = root.get("component");
    if (component == null || !component.isObject()) {
      problems.add("component must be an object");
    } else {
      onlyKeys("component", component, COMPONENT_KEYS);
      for (String key : Arrays.asList("group", "module", "version")) {
        if (!component.path(key).isTextual()) {
          problems.add("component." + key + " must be a string");
        }
      }
      checkAttributes("component", component.get("attributes"), false);
    }
    JsonNode variants = root.get("variants");
    if (variants == null || !variants.isArray()) {
      problems.add("variants must be an array");
      return;
    }
    Set<String> names2 = new HashSet<>();
    Set<JsonNode> attributeSets = new HashSet<>();
    boolean anyDependency = false;
    boolean anyVersion = false;
    for (JsonNode variant : variants) {
      if (!variant.isObject() || !variant.path("name").isTextual()) {
        problems.add("each variant must be an object with a string name");
        continue;
      }
      String name = variant.get("name").asText();
      String where = "variant " + name;
      if (!names2.add(name)) {
        problems.add("variant name " + name + " is not unique");
      }
      onlyKeys(where, variant, VARIANT_KEYS);
      JsonNode attributes = variant.get("attributes");
      if (attributes == null || !attributes.isObject() || attributes.size() == 0) {
        problems.add(where + " must have at least one attribute");
      } else {
        checkAttributes(where, attributes, true);
        if (!attributeSets.add(attributes)) {
          problems.add(where + " has the same attributes as another variant");
        }
      }
      JsonNode dependencies = variant.get("dependencies");
      if (dependencies != null) {
        if (!dependencies.isArray()) {
          problems.add(where + ": dependencies must be an array");
          continue;
        }
        for (JsonNode dependency : dependencies) {
          anyDependency = true;
          onlyKeys(where + " dependency", dependency, DEPENDENCY_KEYS);
          if (!dependency.path("group").isTextual() || !dependency.path("module").isTextual()) {
            problems.add(where + ": each dependency needs a string group and module");
          }
          JsonNode version = dependency.get("version");
          if (version != null) {
            onlyKeys(where + " dependency version", version, VERSION_KEYS);
            anyVersion = true;
          }
        }
      }
      JsonNode files = variant.get("files");
      if (files == null || !files.isArray()) {
        problems.add(where + ": files must be an array");
        continue;
      }
      for (JsonNode file : files) {
        onlyKeys(where + " file", file, FILE_KEYS);
        for (String key : FILE_KEYS) {
          boolean ok =
              key.equals("size") ? file.path(key).isIntegralNumber() : file.path(key).isTextual();
          if (!ok) {
            problems.add(where + ": file value " + key + " is missing or of the wrong type");
          }
        }
      }
    }
    if (anyDependency && !anyVersion) {
      problems.add("at least one dependency must carry version information");
    }
  }

  private void checkAttributes(String where, JsonNode attributes, boolean allowInteger) {
    if (attributes == null) {
      return;
    }
    if (!attributes.isObject()) {
      problems.add(where + ": attributes must be an object");
      return;
    }
    for (Map.Entry<String, JsonNode> e : attributes.properties()) {
      JsonNode value = e.getValue();
      boolean integer = e.getKey().equals("org.gradle.jvm.version");
      boolean ok = integer ? allowInteger && value.isInt() : value.isTextual() || value.isBoolean();
      if (!ok) {
        problems.add(where + ": attribute " + e.getKey() + " has the wrong type: " + value);
      }
    }
  }

  private Map<String, String> dependencies(String variant, JsonNode dependencies) {
    Map<String, String> result = new TreeMap<>();
    if (dependencies == null) {
      return result;
    }
    for (JsonNode dependency : dependencies) {
      String key = dependency.get("group").asText() + ":" + dependency.get("module").asText();
      JsonNode version = dependency.path("version");
      if (version.size() != 1 || !version.path("requires").isTextual()) {
        problems.add("variant " + variant + ": " + key + " must have a plain 'requires' version");
      }
      if (result.put(key, version.path("requires").asText()) != null) {
        problems.add("variant " + variant + " lists " + key + " twice");
      }
    }
    return result;
  }

  /**
   * Checks a variant's file entry against the file beside the module file, and returns that file.
   */
  private Path checkFiles(String variant, JsonNode files, Path modulePath, String expectedName)
      throws IOException {
    if (files.size() != 1) {
      problems.add("variant " + variant + " must publish exactly one file, not " + files.size());
      return null;
    }
    JsonNode file = files.get(0);
    expect("variant " + variant + " file name", file.get("name"), expectedName);
    expect("variant " + variant + " file url", file.get("url"), expectedName);
    Path jar = modulePath.toAbsolutePath().getParent().resolve(file.get("url").asText());
    if (!Files.isRegularFile(jar)) {
      problems.add("variant " + variant + " lists " + jar + ", which does not exist");
      return null;
    }
    if (file.get("size").asLong() != Files.size(jar)) {
      problems.add(
          "variant "
              + variant
              + " lists size "
              + file.get("size")
              + " but "
              + jar
              + " has "
              + Files.size(jar)
              + " bytes");
    }
    for (String algorithm : CHECKSUMS) {
      expect(
          "variant " + variant + " " + algorithm + " of " + jar,
          file.get(algorithm),
          hash(jar, algorithm));
    }
    return jar;
  }

  /** The library jar must be a plain (not modular) jar that names its automatic module. */
  private void checkManifest(Path jar, String moduleName) throws IOException {
    try (JarFile jarFile = new JarFile(jar.toFile())) {
      Manifest manifest = jarFile.getManifest();
      String actual =
          manifest == null ? null : manifest.getMainAttributes().getValue("Automatic-Module-Name");
      if (!moduleName.equals(actual)) {
        problems.add(jar + " has Automatic-Module-Name " + actual + ", expected " + moduleName);
      }
      if (jarFile.stream().anyMatch(e -> e.getName().endsWith("module-info.class"))) {
        problems.add(jar + " contains a module-info.class");
      }
    }
  }

  /**
   * Checks that the POM has the marker and the expected version, and returns its dependencies that
   * consumers see (compile and runtime scope, not optional) as group:artifact to version, or to ""
   * when the version is managed.
   */
  private Map<String, String> checkPom(Path pomPath, String version) throws Exception {
    Map<String, String> result = new TreeMap<>();
    if (!Files.isRegularFile(pomPath)) {
      problems.add("missing POM " + pomPath);
      return result;
    }
    String text = new String(Files.readAllBytes(pomPath), StandardCharsets.UTF_8);
    if (!text.contains("<!-- " + MARKER + " -->")) {
      problems.add(pomPath + " lacks the marker comment <!-- " + MARKER + " -->");
    }
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Element project = factory.newDocumentBuilder().parse(pomPath.toFile()).getDocumentElement();
    String pomVersion = childText(project, "version");
    if (pomVersion == null) {
      Element parent = child(project, "parent");
      pomVersion = parent == null ? null : childText(parent, "version");
    }
    if (!version.equals(pomVersion)) {
      problems.add(pomPath + " has version " + pomVersion + ", expected " + version);
    }
    Element dependencies = child(project, "dependencies");
    if (dependencies == null) {
      return result;
    }
    NodeList nodes = dependencies.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (!(nodes.item(i) instanceof Element)) {
        continue;
      }
      Element dependency = (Element) nodes.item(i);
      String scope = childText(dependency, "scope");
      if (scope != null && !scope.equals("compile") && !scope.equals("runtime")) {
        continue;
      }
      if ("true".equals(childText(dependency, "optional"))) {
        continue;
      }
      String versionText = childText(dependency, "version");
      result.put(
          childText(dependency, "groupId") + ":" + childText(dependency, "artifactId"),
          versionText == null ? "" : versionText);
    }
    return result;
  }

  private static Element child(Element parent, String name) {
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node node = nodes.item(i);
      if (node instanceof Element && name.equals(node.getLocalName())) {
        return (Element) node;
      }
    }
    return null;
  }

  private static String childText(Element parent, String name) {
    Element child = child(parent, name);
    return child == null ? null : child.getTextContent().trim();
  }

  private static Map<String, Object> library(String usage, int jvmVersion) {
    Map<String, Object> attributes = new TreeMap<>();
    attributes.put("org.gradle.category", "library");
    attributes.put("org.gradle.dependency.bundling", "external");
    attributes.put("org.gradle.jvm.version", jvmVersion);
    attributes.put("org.gradle.libraryelements", "jar");
    attributes.put("org.gradle.usage", usage);
    return attributes;
  }

  private static Map<String, Object> documentation(String docsType) {
    Map<String, Object> attributes = new TreeMap<>();
    attributes.put("org.gradle.category", "documentation");
    attributes.put("org.gradle.dependency.bundling", "external");
    attributes.put("org.gradle.docstype", docsType);
    attributes.put("org.gradle.usage", "java-runtime");
    return attributes;
  }

  private void onlyKeys(String where, JsonNode node, Set<String> allowed) {
    if (!node.isObject()) {
      problems.add(where + " must be an object");
      return;
    }
    node.fieldNames()
        .forEachRemaining(
            key -> {
              if (!allowed.contains(key)) {
                problems.add(where + " has an unknown value " + key);
              }
            });
  }

  private void expect(String what, JsonNode actual, String expected) {
    if (actual == null || !actual.isTextual() || !actual.asText().equals(expected)) {
      problems.add(what + " is " + actual + ", expected \"" + expected + "\"");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private static JsonNode read(Path path) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      return JSON.readTree(in);
    }
  }

  private static String hash(Path file, String algorithm) throws IOException {
    String javaName =
        algorithm.equals("md5") ? "MD5" : "SHA-" + algorithm.substring("sha".length());
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance(javaName);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    StringBuilder hex = new StringBuilder();
    for (byte b : digest.digest(Files.readAllBytes(file))) {
      hex.append(String.format("%02x", b));
    }
    return hex.toString();
  }

  private static Map<String, List<String>> options(String[] args) {
    Map<String, List<String>> options = new LinkedHashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("Expected --option=value, got " + arg);
      }
      int equals = arg.indexOf('=');
      options
          .computeIfAbsent(arg.substring(2, equals), k -> new ArrayList<>())
          .add(arg.substring(equals + 1));
    }
    return options;
  }

  private static String one(Map<String, List<String>> options, String name) {
    List<String> values = options.get(name);
    if (values == null || values.size() != 1) {
      throw new IllegalArgumentException("Expected exactly one --" + name + "=...");
    }
    return values.get(0);
  }

  private static Path path(Map<String, List<String>> options, String name) {
    return Paths.get(one(options, name));
  }

  private static Set<String> set(String... values) {
    return new LinkedHashSet<>(Arrays.asList(values));
  }
}
