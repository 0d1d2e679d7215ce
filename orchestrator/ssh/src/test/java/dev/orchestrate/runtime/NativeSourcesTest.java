package dev.orchestrate.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeSourcesTest {
  @TempDir Path dir;

  /** A project whose native/ folders are links (as a test or a checkout may have them). */
  private Path project() throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Files.createDirectories(real.resolve("include"));
    Files.createDirectories(real.resolve("src/cuda"));
    Files.createDirectories(real.resolve("jni"));
    Files.writeString(real.resolve("include/olmo_engine.h"), "// api\n");
    Files.writeString(real.resolve("src/cuda/kernels.cuh"), "// kernels\n");
    Files.writeString(real.resolve("jni/olmo_jni.c"), "// jni\n");
    Files.writeString(real.resolve(NativeSources.SCRIPT), "#!/bin/sh\n");
    Path project = dir.resolve("project");
    Files.createDirectories(project.resolve("native"));
    for (String part : List.of("include", "src", "jni", NativeSources.SCRIPT)) {
      Files.createSymbolicLink(project.resolve("native").resolve(part), real.resolve(part));
    }
    Path jdk = dir.resolve("jdk");
    Files.createDirectories(jdk.resolve("include/linux"));
    Files.writeString(jdk.resolve("include/jni.h"), "// jni.h\n");
    Files.writeString(jdk.resolve("include/linux/jni_md.h"), "// jni_md.h\n");
    return project;
  }

  @Test
  void shipsEverySourceThroughLinksWithTheJniHeadersAndAHashOfThem() throws Exception {
    Path project = project();
    NativeSources sources = NativeSources.find(project, dir.resolve("jdk")).orElseThrow();
    assertEquals(
        List.of(
            "include/olmo_engine.h",
            "src/cuda/kernels.cuh",
            "jni/olmo_jni.c",
            NativeSources.SCRIPT,
            "jni-include/jni.h",
            "jni-include/linux/jni_md.h"),
        sources.files().stream().map(NativeSources.Entry::path).toList());
    String before = sources.hash();
    assertTrue(before.matches("[0-9a-f]{16}"), before);
    Path stage = dir.resolve("stage");
    sources.stage(stage);
    assertEquals(
        "// kernels\n",
        Files.readString(stage.resolve(NativeSources.DIR + "/src/cuda/kernels.cuh")));
    assertEquals(
        before + "\n", Files.readString(stage.resolve(NativeSources.DIR + "/SOURCE_HASH")));
    Files.writeString(dir.resolve("real/src/cuda/kernels.cuh"), "// kernels, changed\n");
    assertNotEquals(before, sources.hash(), "a changed source builds again on the machine");
  }

  @Test
  void incompleteSourcesShipNothing() throws Exception {
    Path project = project();
    assertTrue(NativeSources.find(project, dir.resolve("no-jdk")).isEmpty(), "no JNI headers");
    Files.delete(project.resolve("native").resolve(NativeSources.SCRIPT));
    assertTrue(NativeSources.find(project, dir.resolve("jdk")).isEmpty(), "no build script");
  }
}
