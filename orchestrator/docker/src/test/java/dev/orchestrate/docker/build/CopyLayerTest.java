package dev.orchestrate.docker.build;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orchestrate.docker.recipe.Recipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CopyLayerTest {
  @TempDir Path project;

  @Test
  void classpathJarsGoToLibAndClassesFoldersToClasses() throws Exception {
    Path jar = project.resolve("m2/a/lib-1.0.jar");
    Path dup = project.resolve("m2/b/lib-1.0.jar");
    Path classes = project.resolve("native/target/classes");
    Files.createDirectories(jar.getParent());
    Files.createDirectories(dup.getParent());
    Files.createDirectories(classes.resolve("dev"));
    Files.writeString(jar, "a");
    Files.writeString(dup, "b");
    Files.writeString(project.resolve("cp.txt"), jar + ":" + classes + ":" + dup + "\n");
    var map =
        new CopyLayer(new BuildWorkspace(project.resolve("w")), project)
            .classpath(new Recipe.Classpath("cp.txt", "/opt/engine/lib"));
    assertEquals(
        List.of("/opt/engine/lib/lib-1.0.jar", "/opt/engine/classes/native"),
        List.copyOf(map.keySet()));
    assertEquals(
        jar, map.get("/opt/engine/lib/lib-1.0.jar"), "the first of two same-named jars wins");
  }

  @Test
  void namesModulesAndClassesFolders() {
    assertEquals("native", CopyLayer.moduleName(Path.of("/x/native/target/classes")));
    assertEquals("extra", CopyLayer.moduleName(Path.of("/x/extra")));
    assertEquals("/opt/engine/classes", CopyLayer.classesDir("/opt/engine/lib"));
    assertEquals("/classes", CopyLayer.classesDir("/lib"));
  }
}
