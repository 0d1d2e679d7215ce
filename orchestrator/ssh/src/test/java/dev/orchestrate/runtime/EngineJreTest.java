package dev.orchestrate.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which JDK the shipped runtime is linked from, and the refusal of one for another platform. */
class EngineJreTest {
  @TempDir Path dir;

  /** A stand-in JDK home: a release file, a java.base.jmod and an executable jlink. */
  private Path jdk(String name, String os, String arch, String version) throws IOException {
    Path home = Files.createDirectories(dir.resolve(name));
    Files.writeString(
        home.resolve("release"),
        "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\""
            + version
            + "\"\nOS_ARCH=\""
            + arch
            + "\"\nOS_NAME=\""
            + os
            + "\"\n");
    Files.createDirectories(home.resolve("jmods"));
    Files.writeString(home.resolve("jmods/java.base.jmod"), "jmod");
    Path jlink = Files.createDirectories(home.resolve("bin")).resolve("jlink");
    Files.writeString(jlink, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(jlink, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }

  private EngineJre jre(Map<String, String> env, Path running) {
    return new EngineJre(dir.resolve("state"), env, running);
  }

  @Test
  void theRunningLinuxX64JdkIsUsed() throws IOException {
    Path home = jdk("linux", "Linux", "x86_64", "17.0.15");
    EngineJre.Jdk jdk = jre(Map.of(), home).jdk();
    assertEquals(home, jdk.home());
    assertEquals(home.resolve("bin/jlink"), jdk.jlink());
    assertTrue(EngineJre.key(jdk).startsWith("jdk17-"), EngineJre.key(jdk));
  }

  @Test
  void amd64CountsAsX64AndJavaHomeIsTheFallback() throws IOException {
    Path jre = Files.createDirectories(dir.resolve("a-jre-without-jmods"));
    Path home = jdk("debian", "Linux", "amd64", "17.0.15");
    assertEquals(home, jre(Map.of("JAVA_HOME", home.toString()), jre).jdk().home());
  }

  @Test
  void aMacJdkIsRefusedWithWhatToSet() throws IOException {
    Path mac = jdk("mac", "Darwin", "aarch64", "17.0.15");
    OrchestrateException e =
        assertThrows(OrchestrateException.class, () -> jre(Map.of(), mac).jdk());
    assertTrue(e.getMessage().contains("Darwin/aarch64"), e.getMessage());
    assertTrue(e.getMessage().contains("linux/x86_64"), e.getMessage());
    String hint = e.hint().orElseThrow();
    assertTrue(hint.contains(EngineJre.JDK_VARIABLE), hint);
    assertTrue(hint.contains("=image"), hint);
  }

  @Test
  void aLinuxX64JdkNamedForAMacIsLinkedWithTheLocalJlink() throws IOException {
    Path mac = jdk("mac", "Darwin", "aarch64", "17.0.12");
    Path linux = jdk("linux-jdk", "Linux", "x86_64", "17.0.15");
    EngineJre.Jdk jdk = jre(Map.of(EngineJre.JDK_VARIABLE, linux.toString()), mac).jdk();
    assertEquals(linux, jdk.home());
    assertEquals(mac.resolve("bin/jlink"), jdk.jlink());
  }

  @Test
  void aNamedJdkMustBeLinuxX64WithJmodsOfTheJlinksVersion() throws IOException {
    Path mac = jdk("mac", "Darwin", "aarch64", "17.0.12");
    Path arm = jdk("linux-arm", "Linux", "aarch64", "17.0.15");
    Path jdk21 = jdk("linux-21", "Linux", "x86_64", "21.0.2");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    for (Path named : new Path[] {arm, jdk21, empty}) {
      OrchestrateException e =
          assertThrows(
              OrchestrateException.class,
              () -> jre(Map.of(EngineJre.JDK_VARIABLE, named.toString()), mac).jdk());
      assertTrue(e.hint().isPresent(), e.getMessage());
    }
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> jre(Map.of(EngineJre.JDK_VARIABLE, jdk21.toString()), mac).jdk());
    assertTrue(
        e.getMessage().contains("Java 17") && e.getMessage().contains("Java 21"), e.getMessage());
  }

  @Test
  void imageShipsNone() {
    assertFalse(jre(Map.of(EngineJre.JDK_VARIABLE, "image"), dir).ships());
    assertTrue(jre(Map.of(), dir).ships());
    assertFalse(EngineJre.shipsUnder(Map.of(EngineJre.JDK_VARIABLE, "image")));
  }

  @Test
  void theKeyFollowsTheJdk() throws IOException {
    Path a = jdk("a", "Linux", "x86_64", "17.0.15");
    Path b = jdk("b", "Linux", "x86_64", "17.0.16");
    assertNotEquals(EngineJre.key(jre(Map.of(), a).jdk()), EngineJre.key(jre(Map.of(), b).jdk()));
    assertEquals(EngineJre.key(jre(Map.of(), a).jdk()), EngineJre.key(jre(Map.of(), a).jdk()));
  }

  @Test
  void featureVersions() {
    assertEquals("17", EngineJre.feature("17.0.15"));
    assertEquals("21", EngineJre.feature("21"));
    assertEquals("8", EngineJre.feature("1.8.0_292"));
  }
}
