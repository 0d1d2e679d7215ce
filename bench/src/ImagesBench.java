import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.docker.DockerEngine;
import dev.orchestrate.docker.build.BuildOptions;
import dev.orchestrate.docker.build.BuildResult;
import dev.orchestrate.docker.build.BuildWorkspace;
import dev.orchestrate.docker.build.GitRevision;
import dev.orchestrate.docker.build.RecipeImageBuilder;
import dev.orchestrate.docker.recipe.RecipeLoader;
import dev.orchestrate.testkit.Dockerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The image benchmark (run through bench/images): cold build, no-op rebuild, forced rebuild
 * on a warm base, and load-archive sizes, for each image, on a fresh private dockerd.
 */
public class ImagesBench {
  public static void main(String[] args) throws Exception {
    Path project = Path.of("").toAbsolutePath();
    List<String> images = new ArrayList<>(List.of(args));
    if (images.isEmpty()) {
      images.add("test");
      if (Files.isRegularFile(project.resolve("engine/target/runtime-classpath.txt"))) {
        images.add("cpu");
      } else {
        System.out.println("cpu skipped: build the engine first (mvn -B -q -pl engine -am package -DskipTests)");
      }
    }
    String revision = GitRevision.of(project);
    List<String[]> rows = new ArrayList<>();
    Path work = Files.createTempDirectory("bench-images-");
    try (Dockerd dockerd = Dockerd.start();
        DockerEngine engine = DockerEngine.connect(dockerd.host(), Map.of(), new Redactor())) {
      System.out.println("daemon: " + engine.ping());
      for (String name : images) {
        RecipeImageBuilder builder =
            new RecipeImageBuilder(
                engine,
                new RecipeLoader(project.resolve("images")),
                project,
                new BuildWorkspace(work.resolve(name)),
                work.resolve("logs"),
                EventSink.discard(),
                Clock.systemUTC());
        // a venv layer (cpu-hf, cuda) installs from PyPI and download.pytorch.org, or the mirrors named
        Optional<String> packages = Optional.ofNullable(System.getenv("ORCHESTRATE_PACKAGE_INDEX"));
        String torch =
            Optional.ofNullable(System.getenv("ORCHESTRATE_TORCH_INDEX_BASE"))
                .orElse("https://download.pytorch.org/whl/");
        BuildResult cold =
            builder.build(name, new BuildOptions(true, true, revision).withIndexes(packages, torch));
        BuildResult noop =
            builder.build(name, BuildOptions.defaults(revision).withIndexes(packages, torch));
        BuildResult forced =
            builder.build(name, new BuildOptions(true, true, revision).withIndexes(packages, torch));
        if (!cold.id().equals(noop.id()) || !cold.id().equals(forced.id())) {
          throw new IllegalStateException("IDs differ: " + cold.id() + " " + noop.id() + " " + forced.id());
        }
        rows.add(
            new String[] {
              name,
              cold.id().substring(0, 19),
              Integer.toString(cold.layers().size()),
              secs(cold.took().toMillis()),
              secs(noop.took().toMillis()),
              secs(forced.took().toMillis()),
              mib(cold.archiveBytes()),
              cold.fullArchiveBytes() < 0 ? "n/a" : mib(cold.fullArchiveBytes())
            });
      }
    } finally {
      new ProcessBuilder("rm", "-rf", work.toString()).inheritIO().start().waitFor();
    }
    String[] head = {
      "image", "id", "layers", "cold build", "no-op rebuild", "rebuild (warm base)",
      "load archive (no base)", "load archive (with base)"
    };
    print(head, rows);
  }

  static String secs(long ms) {
    return String.format(Locale.ROOT, "%.2f s", ms / 1000.0);
  }

  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  static void print(String[] head, List<String[]> rows) {
    int[] w = new int[head.length];
    for (int i = 0; i < head.length; i++) {
      w[i] = head[i].length();
      for (String[] r : rows) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    StringBuilder line = new StringBuilder("|");
    StringBuilder rule = new StringBuilder("|");
    for (int i = 0; i < head.length; i++) {
      line.append(' ').append(pad(head[i], w[i])).append(" |");
      rule.append('-').append("-".repeat(w[i])).append("-|");
    }
    System.out.println(line);
    System.out.println(rule);
    for (String[] r : rows) {
      StringBuilder l = new StringBuilder("|");
      for (int i = 0; i < r.length; i++) {
        l.append(' ').append(pad(r[i], w[i])).append(" |");
      }
      System.out.println(l);
    }
  }

  static String pad(String s, int n) {
    return s + " ".repeat(n - s.length());
  }
}
