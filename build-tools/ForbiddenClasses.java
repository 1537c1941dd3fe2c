import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;

/**
 * Fails the build when a jar holds a class under a forbidden package: {@code java
 * build-tools/ForbiddenClasses.java JAR PREFIX...}, each prefix a package path such as {@code
 * okhttp3/}. Prints the count and the first offenders to standard error, and exits 1; exits 0
 * silently when none is found (so that {@code mvn -q} stays quiet), 2 for bad arguments or an
 * unreadable jar. demo-server's build uses it to keep client classes out of the server's jar.
 */
public final class ForbiddenClasses {
  private static final int SHOWN = 5;

  private ForbiddenClasses() {}

  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("Usage: java ForbiddenClasses.java JAR PACKAGE_PREFIX...");
      System.exit(2);
    }
    var prefixes = Arrays.asList(args).subList(1, args.length);
    List<String> found = new ArrayList<>();
    try (var jar = new JarFile(args[0])) {
      jar.stream()
          .map(entry -> entry.getName())
          .filter(name -> name.endsWith(".class"))
          .filter(name -> prefixes.stream().anyMatch(name::startsWith))
          .forEach(found::add);
    } catch (IOException e) {
      System.err.println("Cannot read " + args[0] + ": " + e.getMessage());
      System.exit(2);
    }
    if (found.isEmpty()) {
      return; // Silent on success, so that mvn -q stays quiet.
    }
    System.err.println(
        args[0]
            + " holds "
            + found.size()
            + " classes of forbidden packages "
            + String.join(", ", prefixes)
            + ", for example "
            + String.join(", ", found.subList(0, Math.min(SHOWN, found.size())))
            + ".");
    System.exit(1);
  }
}
