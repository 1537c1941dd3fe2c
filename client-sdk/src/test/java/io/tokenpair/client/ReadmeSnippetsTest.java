package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java block of the README runs in the build as printed. A block follows a line {@code <!--
 * snippet: PATH#NAME -->}, PATH from the repository's root; that test source holds the same lines
 * between a line {@code // snippet:NAME} and a line {@code // end snippet}, inside a test that runs
 * them (the formatter leaves these regions alone). Lines are compared after trailing blanks and the
 * common indentation are removed. A block without a marker, a marker without its block or region, a
 * region printed nowhere, or one line apart fails the build.
 */
final class ReadmeSnippetsTest {
  /** The documents whose Java blocks must be snippets. */
  private static final List<String> DOCUMENTS = Collections.singletonList("README.md");

  private static final Pattern MARKER = Pattern.compile("<!-- snippet: (\\S+)#([\\w-]+) -->");
  private static final Pattern REGION_START = Pattern.compile("\\s*// snippet:([\\w-]+)");
  private static final Pattern REGION_END = Pattern.compile("\\s*// end snippet");
  private static final String FENCE = "```";

  private final Path root = repositoryRoot();

  @Test
  void everyJavaBlockIsARegionOfATest() throws IOException {
    List<String> problems = new ArrayList<>();
    for (String document : DOCUMENTS) {
      for (Block block : javaBlocks(document)) {
        String where = document + ":" + block.line;
        if (block.source == null) {
          problems.add(
              where
                  + ": a java block without a <!-- snippet: PATH#NAME --> line before it; put the"
                  + " block in a test between // snippet:NAME and // end snippet and name it there");
          continue;
        }
        Path source = root.resolve(block.source);
        if (!Files.isRegularFile(source)) {
          problems.add(where + ": " + block.source + " does not exist");
          continue;
        }
        List<List<String>> regions = regions(source).get(block.name);
        if (regions == null || regions.size() != 1) {
          problems.add(
              where
                  + ": "
                  + block.source
                  + " has "
                  + (regions == null ? 0 : regions.size())
                  + " regions // snippet:"
                  + block.name
                  + " ... // end snippet, not one");
          continue;
        }
        String difference = difference(normalized(block.lines), normalized(regions.get(0)));
        if (difference != null) {
          problems.add(
              where + ": differs from " + block.source + "#" + block.name + ": " + difference);
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everySnippetRegionIsPrinted() throws IOException {
    TreeSet<String> printed = new TreeSet<>();
    for (String document : DOCUMENTS) {
      for (Block block : javaBlocks(document)) {
        if (block.source != null) printed.add(block.source + "#" + block.name);
      }
    }
    TreeSet<String> regions = new TreeSet<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file :
          files
              .filter(f -> f.toString().endsWith(".java") || f.toString().endsWith(".kt"))
              .filter(f -> f.toString().contains("src" + File.separator + "test"))
              .filter(f -> !f.toString().contains(File.separator + "target" + File.separator))
              .collect(Collectors.toList())) {
        String relative = root.relativize(file).toString().replace(File.separatorChar, '/');
        for (String name : regions(file).keySet()) {
          regions.add(relative + "#" + name);
        }
      }
    }
    assertThat(regions).isEqualTo(printed);
  }

  @Test
  void aChangedLineIsReported() {
    assertThat(
            difference(
                normalized(Arrays.asList("  a();", "  b();")),
                normalized(Arrays.asList("    a();", "    c();"))))
        .isEqualTo("its line 2 is \"b();\" in the document, \"c();\" in the test");
    assertThat(difference(normalized(Arrays.asList("a();")), normalized(Arrays.asList(" a(); "))))
        .isNull();
    assertThat(difference(Arrays.asList("a();"), Arrays.asList("a();", "b();")))
        .isEqualTo("the document has 1 lines, the test 2; its line 2 is \"b();\" in the test");
  }

  /** A fenced java block and the snippet its marker names (null source: no marker). */
  private static final class Block {
    final int line;
    final String source;
    final String name;
    final List<String> lines = new ArrayList<>();

    Block(int line, String source, String name) {
      this.line = line;
      this.source = source;
      this.name = name;
    }
  }

  private List<Block> javaBlocks(String document) throws IOException {
    List<String> lines = Files.readAllLines(root.resolve(document), StandardCharsets.UTF_8);
    List<Block> blocks = new ArrayList<>();
    Block current = null;
    boolean inFence = false;
    Matcher marker = null;
    int markerLine = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (inFence) {
        if (line.trim().equals(FENCE)) {
          inFence = false;
          current = null;
        } else if (current != null) {
          current.lines.add(line);
        }
        continue;
      }
      if (line.startsWith(FENCE)) {
        inFence = true;
        if (line.trim().equals(FENCE + "java") || line.trim().equals(FENCE + "kotlin")) {
          current =
              marker == null
                  ? new Block(i + 1, null, null)
                  : new Block(i + 1, marker.group(1), marker.group(2));
          blocks.add(current);
        } else if (marker != null) {
          throw new AssertionError(
              document + ":" + markerLine + ": a marker before a non-java block");
        }
        marker = null;
        continue;
      }
      if (line.trim().isEmpty()) continue;
      if (marker != null) {
        throw new AssertionError(
            document + ":" + markerLine + ": a marker not before a java block");
      }
      Matcher m = MARKER.matcher(line.trim());
      if (m.matches()) {
        marker = m;
        markerLine = i + 1;
      }
    }
    assertThat(inFence).as(document + " ends inside a fenced block").isFalse();
    return blocks;
  }

  /** Each region's lines by its name, in file order. */
  private static Map<String, List<List<String>>> regions(Path source) throws IOException {
    List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
    Map<String, List<List<String>>> regions = new LinkedHashMap<>();
    List<String> current = null;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      Matcher start = REGION_START.matcher(line);
      if (start.matches()) {
        if (current != null) throw new AssertionError(source + ":" + (i + 1) + ": nested region");
        current = new ArrayList<>();
        regions.computeIfAbsent(start.group(1), k -> new ArrayList<>()).add(current);
      } else if (REGION_END.matcher(line).matches()) {
        if (current == null)
          throw new AssertionError(source + ":" + (i + 1) + ": end of no region");
        current = null;
      } else if (current != null) {
        current.add(line);
      }
    }
    if (current != null) throw new AssertionError(source + ": a region without its end");
    return regions;
  }

  /** The lines without trailing blanks and without the indentation they all share. */
  static List<String> normalized(List<String> lines) {
    int indent = Integer.MAX_VALUE;
    List<String> trimmed = new ArrayList<>();
    for (String line : lines) {
      String t = line.replaceAll("\\s+$", "");
      trimmed.add(t);
      if (!t.isEmpty()) indent = Math.min(indent, t.length() - t.replaceAll("^\\s+", "").length());
    }
    List<String> result = new ArrayList<>();
    for (String t : trimmed) result.add(t.isEmpty() ? t : t.substring(indent));
    return result;
  }

  /** Where two normalized blocks first differ, or null when they are equal. */
  static String difference(List<String> document, List<String> test) {
    for (int i = 0; i < Math.min(document.size(), test.size()); i++) {
      if (!document.get(i).equals(test.get(i))) {
        return "its line "
            + (i + 1)
            + " is \""
            + document.get(i)
            + "\" in the document, \""
            + test.get(i)
            + "\" in the test";
      }
    }
    if (document.size() == test.size()) return null;
    int first = Math.min(document.size(), test.size());
    return "the document has "
        + document.size()
        + " lines, the test "
        + test.size()
        + "; its line "
        + (first + 1)
        + " is \""
        + (document.size() > first ? document : test).get(first)
        + "\" in the "
        + (document.size() > first ? "document" : "test");
  }

  private static Path repositoryRoot() {
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("client-sdk"))) dir = dir.getParent();
    if (dir == null)
      throw new AssertionError("No repository root above " + Paths.get("").toAbsolutePath());
    return dir;
  }
}
