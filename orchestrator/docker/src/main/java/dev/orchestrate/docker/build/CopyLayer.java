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

  /** The jars a classpath file names, in order, without duplicates by file name. */
  public List<Path> jars(Recipe.Classpath cp) throws IOException {
    Path file = projectDir.resolve(cp.from()).normalize();
    Map<String, Path> byName = new LinkedHashMap<>();
    for (String part : Files.readString(file).split("[:\\n]")) {
      if (!part.isBlank()) {
        Path jar = projectDir.resolve(part.strip()).normalize();
        byName.putIfAbsent(jar.getFileName().toString(), jar);
      }
    }
    return List.copyOf(byName.values());
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
    for (Path jar : jars(cp)) {
      if (!Files.isRegularFile(jar)) {
        throw new OrchestrateException(
            ErrorCode.IMAGE,
            cp.from() + " names " + jar + ", which is missing",
            "rebuild the engine so its classpath file is current");
      }
      entries.addAll(FileTree.entries(jar, cp.to() + "/" + jar.getFileName()));
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
