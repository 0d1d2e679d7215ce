package dev.orchestrate.docker.build;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.docker.recipe.Recipe;
import dev.orchestrate.docker.tar.LayerDigest;
import dev.orchestrate.docker.tar.LayerTar;
import dev.orchestrate.docker.tar.TarEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Files copied into the image as a layer we write directly (Jib's way): no container, no daemon,
 * the bytes a function of the files' content and executable bits alone.
 */
public final class CopyLayer {
  private final BuildWorkspace workspace;
  private final Path projectDir;

  public CopyLayer(BuildWorkspace workspace, Path projectDir) {
    this.workspace = workspace;
    this.projectDir = projectDir;
  }

  /** Where {@code copy.from} is: relative to the project folder. */
  public Path source(Recipe.Copy copy) {
    return projectDir.resolve(copy.from()).normalize();
  }

  public LayerDigest write(Recipe recipe, Recipe.Copy copy) throws IOException {
    Path source = source(copy);
    if (!Files.exists(source)) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "image '" + recipe.name() + "' copies " + copy.from() + ", which does not exist",
          copy.from().startsWith("engine/")
              ? "build the engine first: mvn -B -q -pl engine -am package -DskipTests"
              : "create it, or fix layers[].copy.from in images/" + recipe.name() + "/image.yaml");
    }
    LayerTar tar = new LayerTar(recipe.epoch());
    var entries = FileTree.entries(source, copy.to());
    return workspace.layers().put(out -> tar.write(entries, out));
  }

  /**
   * The entries a classpath file names, in order, keyed by where they go: a jar by its file name
   * under {@code to}; a classes folder (a reactor module's {@code target/classes}) under the
   * sibling folder {@code classes/<module>}, which the launcher adds to the classpath.
   */
  public Map<String, Path> classpath(Recipe.Classpath cp) throws IOException {
    Path file = projectDir.resolve(cp.from()).normalize();
    Map<String, Path> byTarget = new LinkedHashMap<>();
    for (String part : Files.readString(file).split("[:\\n]")) {
      if (part.isBlank()) {
        continue;
      }
      Path entry = projectDir.resolve(part.strip()).normalize();
      String target =
          Files.isDirectory(entry)
              ? classesDir(cp.to()) + "/" + moduleName(entry)
              : cp.to() + "/" + entry.getFileName();
      byTarget.putIfAbsent(target, entry);
    }
    return byTarget;
  }

  /** {@code /opt/engine/lib} → {@code /opt/engine/classes}. */
  static String classesDir(String libDir) {
    String parent = TarEntry.parentOf(TarEntry.normalise(libDir));
    return "/" + (parent.isEmpty() ? "" : parent + "/") + "classes";
  }

  /** {@code .../native/target/classes} → {@code native}; any other folder → its own name. */
  static String moduleName(Path dir) {
    Path p = dir.normalize();
    if (p.getFileName().toString().equals("classes")
        && p.getParent() != null
        && p.getParent().getFileName().toString().equals("target")
        && p.getParent().getParent() != null) {
      return p.getParent().getParent().getFileName().toString();
    }
    return p.getFileName().toString();
  }

  public LayerDigest write(Recipe recipe, Recipe.Classpath cp) throws IOException {
    Path file = projectDir.resolve(cp.from()).normalize();
    if (!Files.isRegularFile(file)) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "image '"
              + recipe.name()
              + "' needs the classpath file "
              + cp.from()
              + ", which is missing",
          "build the engine first: mvn -B -q -pl engine -am package -DskipTests");
    }
    List<TarEntry> entries = new ArrayList<>();
    for (Map.Entry<String, Path> e : classpath(cp).entrySet()) {
      if (!Files.exists(e.getValue())) {
        throw new OrchestrateException(
            ErrorCode.IMAGE,
            cp.from() + " names " + e.getValue() + ", which is missing",
            "rebuild the engine so its classpath file is current: mvn -B -q -pl engine -am package -DskipTests");
      }
      entries.addAll(FileTree.entries(e.getValue(), e.getKey()));
    }
    LayerTar tar = new LayerTar(recipe.epoch());
    return workspace.layers().put(out -> tar.write(entries, out));
  }

  public static String history(Recipe.Classpath cp) {
    return "orchestrate CLASSPATH " + cp.from() + " " + cp.to();
  }

  public static String history(Recipe.Copy copy) {
    return "orchestrate COPY " + copy.from() + " " + copy.to();
  }
}
