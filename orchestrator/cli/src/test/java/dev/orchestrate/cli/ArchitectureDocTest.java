package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md names the code that exists: every backticked class-like name in it ({@code
 * UpperCamel}, before any {@code .member} or {@code #member}) is a class, interface, record or enum
 * declared somewhere in the source tree.
 */
class ArchitectureDocTest {
  private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();

  /** Terms the page uses that are the JDK's, not ours. */
  private static final Set<String> NOT_OURS = Set.of("AutoCloseable", "Clock");

  private static final Pattern TICKED = Pattern.compile("`([^`\\n]+)`");
  private static final Pattern CLASS_LIKE = Pattern.compile("^([A-Z][a-z0-9]+[A-Za-z0-9]*)");
  private static final Pattern DECLARED =
      Pattern.compile("\\b(?:class|interface|record|enum)\\s+([A-Z][A-Za-z0-9]*)");

  @Test
  void everyClassTheArchitecturePageNamesExists() throws IOException {
    String page = Files.readString(REPO.resolve("docs/architecture.md"), StandardCharsets.UTF_8);
    Set<String> named = new TreeSet<>();
    Matcher m = TICKED.matcher(page);
    while (m.find()) {
      Matcher name = CLASS_LIKE.matcher(m.group(1));
      if (name.find()) {
        named.add(name.group(1));
      }
    }
    assertTrue(named.size() > 40, "the page names the code: " + named);
    Set<String> declared = declaredTypes();
    List<String> missing =
        named.stream().filter(n -> !declared.contains(n) && !NOT_OURS.contains(n)).toList();
    assertEquals(List.of(), missing, "docs/architecture.md names classes that do not exist");
  }

  @Test
  void aNameThatIsGoneIsCaught() throws IOException {
    Set<String> declared = declaredTypes();
    assertTrue(declared.contains("StepRunner") && declared.contains("VastTarget"), "found ours");
    assertTrue(!declared.contains("VastTargetFactory") && !declared.contains("Up"), "not made up");
  }

  // Main sources of a module, not copies in a build folder (module/target/...).
  private static boolean isSource(Path file) {
    String s = REPO.relativize(file).toString().replace('\\', '/');
    int at = s.indexOf("/src/main/java/");
    return at >= 0 && !("/" + s.substring(0, at) + "/").contains("/target/");
  }

  private static Set<String> declaredTypes() throws IOException {
    Set<String> out = new TreeSet<>();
    try (Stream<Path> files = Files.walk(REPO)) {
      for (Path f :
          files
              .filter(p -> p.toString().endsWith(".java"))
              .filter(ArchitectureDocTest::isSource)
              .toList()) {
        Matcher d = DECLARED.matcher(Files.readString(f, StandardCharsets.UTF_8));
        while (d.find()) {
          out.add(d.group(1));
        }
      }
    }
    return out;
  }
}
