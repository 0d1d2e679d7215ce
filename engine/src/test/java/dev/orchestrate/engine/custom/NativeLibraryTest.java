package dev.orchestrate.engine.custom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.engine.EngineException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibraryTest {
  static final ClassLoader EMPTY = new URLClassLoader(new URL[0], null);
  static final Consumer<Path> REAL_LINKER = path -> System.load(path.toString());

  @TempDir Path dir;
  final List<Path> linked = new ArrayList<>();

  NativeLibrary library(Map<String, String> props, Map<String, String> env, ClassLoader cl) {
    return library(props, env, cl, "linux-x86_64", List.of(dir.resolve("cache")), linked::add);
  }

  static NativeLibrary library(
      Map<String, String> props,
      Map<String, String> env,
      ClassLoader cl,
      String platform,
      List<Path> caches,
      Consumer<Path> linker) {
    return new NativeLibrary(props::get, env::get, cl, platform, caches, linker);
  }

  @Test
  void aFailureSaysEveryPlaceItLooked() {
    EngineException e =
        assertThrows(EngineException.class, () -> library(Map.of(), Map.of(), EMPTY).load());
    String m = e.getMessage();
    assertTrue(m.contains("system property orchestrate.native.lib: not set"), m);
    assertTrue(m.contains("environment variable ORCHESTRATE_NATIVE_LIB: not set"), m);
    assertTrue(
        m.contains(
            "class path resource dev/orchestrate/engine/native/linux-x86_64/libolmo_engine.so:"
                + " not found (is the engine-native jar on the class path?)"),
        m);
    assertTrue(e.hint().contains("mvn -pl native package"), e.hint());
  }

  @Test
  void anExplicitPathThatIsMissingDoesNotFallBackToTheJar() {
    Path missing = dir.resolve("nope/libolmo_engine.so");
    EngineException e =
        assertThrows(
            EngineException.class,
            () ->
                library(
                        Map.of(),
                        Map.of(NativeLibrary.ENV, missing.toString()),
                        getClass().getClassLoader())
                    .load());
    assertTrue(e.getMessage().contains("ORCHESTRATE_NATIVE_LIB=" + missing), e.getMessage());
    assertTrue(e.getMessage().contains(missing + ": no such file"), e.getMessage());
    assertTrue(linked.isEmpty());
  }

  @Test
  void thePropertyWinsOverTheEnvironment() throws Exception {
    Path lib = Files.writeString(dir.resolve("libolmo_engine.so"), "stand-in");
    Path result =
        library(
                Map.of(NativeLibrary.PROPERTY, lib.toString()),
                Map.of(NativeLibrary.ENV, "/elsewhere/libolmo_engine.so"),
                EMPTY)
            .load();
    assertEquals(lib.toAbsolutePath(), result);
    assertEquals(List.of(lib.toAbsolutePath()), linked);
  }

  @Test
  void aLibraryForAnotherMachineSaysWhyTheLinkerRefusedIt() throws Exception {
    // The head of the real library with e_machine set to AArch64: the dynamic linker rejects it
    // from the header alone (a truncated x86-64 file could crash the JVM inside dlopen), and its
    // intact program headers keep the JVM from warning about the stack guard.
    byte[] head;
    try (InputStream in =
        getClass()
            .getClassLoader()
            .getResourceAsStream(NativeLibrary.resourceName("linux-x86_64"))) {
      head = in.readNBytes(4096);
    }
    head[18] = (byte) 0xb7; // EM_AARCH64, little-endian
    head[19] = 0;
    Path bogus = Files.write(dir.resolve("libolmo_engine.so"), head);
    EngineException e =
        assertThrows(
            EngineException.class,
            () ->
                library(
                        Map.of(NativeLibrary.PROPERTY, bogus.toString()),
                        Map.of(),
                        EMPTY,
                        "linux-x86_64",
                        List.of(),
                        REAL_LINKER)
                    .load());
    assertTrue(e.getMessage().contains(bogus + ": found but could not be linked"), e.getMessage());
  }

  @Test
  void anotherPlatformIsToldWhatIsPackaged() {
    EngineException e =
        assertThrows(
            EngineException.class,
            () ->
                library(Map.of(), Map.of(), EMPTY, "mac-aarch64", List.of(dir), linked::add)
                    .load());
    assertTrue(e.getMessage().contains("this is mac-aarch64; only linux-x86_64"), e.getMessage());
    assertEquals("mac-aarch64", NativeLibrary.platform("Mac OS X", "aarch64"));
    assertEquals("linux-x86_64", NativeLibrary.platform("Linux", "amd64"));
  }

  @Test
  void thePackagedLibraryIsExtractedUnderItsHashAndReused() throws Exception {
    Path resources = dir.resolve("jar");
    Path packaged = resources.resolve(NativeLibrary.resourceName("linux-x86_64"));
    Files.createDirectories(packaged.getParent());
    Files.writeString(packaged, "library bytes v1");
    Path blocked = Files.writeString(dir.resolve("not-a-directory"), "");
    List<Path> caches = List.of(blocked.resolve("cache"), dir.resolve("cache"));
    try (URLClassLoader jar = new URLClassLoader(new URL[] {resources.toUri().toURL()}, null)) {
      Path first = library(Map.of(), Map.of(), jar, "linux-x86_64", caches, linked::add).load();
      Path second = library(Map.of(), Map.of(), jar, "linux-x86_64", caches, linked::add).load();
      assertEquals(first, second);
      assertEquals(dir.resolve("cache"), first.getParent().getParent());
      assertEquals(16, first.getParent().getFileName().toString().length());
      assertArrayEquals(
          "library bytes v1".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(first));

      Files.writeString(packaged, "library bytes v2");
      Path rebuilt = library(Map.of(), Map.of(), jar, "linux-x86_64", caches, linked::add).load();
      assertTrue(!rebuilt.equals(first), "a new build must not reuse the old file");
    }
  }

  @Test
  void unwritableCachesAreListed() throws Exception {
    Path resources = dir.resolve("jar");
    Path packaged = resources.resolve(NativeLibrary.resourceName("linux-x86_64"));
    Files.createDirectories(packaged.getParent());
    Files.writeString(packaged, "library bytes");
    Path blocked = Files.writeString(dir.resolve("file"), "");
    try (URLClassLoader jar = new URLClassLoader(new URL[] {resources.toUri().toURL()}, null)) {
      EngineException e =
          assertThrows(
              EngineException.class,
              () ->
                  library(
                          Map.of(),
                          Map.of(),
                          jar,
                          "linux-x86_64",
                          List.of(blocked.resolve("a"), blocked.resolve("b")),
                          linked::add)
                      .load());
      assertTrue(e.getMessage().contains(": found, sha256 "), e.getMessage());
      assertTrue(e.getMessage().contains("cache " + blocked.resolve("a")), e.getMessage());
      assertTrue(e.getMessage().contains("cache " + blocked.resolve("b")), e.getMessage());
    }
  }
}
