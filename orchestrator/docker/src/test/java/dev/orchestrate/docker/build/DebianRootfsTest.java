package dev.orchestrate.docker.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.docker.recipe.Recipe;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The mmdebstrap command line for a Debian base and for an Ubuntu one made on a Debian host. */
class DebianRootfsTest {
  @Test
  void aDebianBaseIsOneMirrorWithTheHostsKeys() {
    List<String> cmd =
        DebianRootfs.command(
            new Recipe.Debian("bookworm", "apt", List.of("python3-venv"), null),
            Optional.empty(),
            Path.of("/tmp/out.tar"));
    assertEquals(
        List.of("bookworm", "/tmp/out.tar", "http://deb.debian.org/debian"),
        cmd.subList(cmd.size() - 3, cmd.size()));
    assertTrue(cmd.stream().noneMatch(a -> a.startsWith("--keyring")), cmd.toString());
    assertTrue(cmd.stream().noneMatch(a -> a.startsWith("--components")), cmd.toString());
  }

  @Test
  void anUbuntuBaseNamesItsAreasPocketsAndKeyring() {
    Recipe.Debian noble =
        new Recipe.Debian(
            "noble",
            "apt",
            List.of("python3-venv"),
            "http://archive.ubuntu.com/ubuntu",
            List.of("main", "universe"),
            List.of("noble-updates", "noble-security"),
            "keys");
    List<String> cmd =
        DebianRootfs.command(noble, Optional.of(Path.of("/k/keys")), Path.of("/tmp/out.tar"));
    assertTrue(cmd.contains("--keyring=/k/keys"), cmd.toString());
    assertTrue(cmd.contains("--components=main,universe"), cmd.toString());
    assertEquals(
        List.of(
            "noble",
            "/tmp/out.tar",
            "deb http://archive.ubuntu.com/ubuntu noble main universe",
            "deb http://archive.ubuntu.com/ubuntu noble-updates main universe",
            "deb http://archive.ubuntu.com/ubuntu noble-security main universe"),
        cmd.subList(cmd.size() - 5, cmd.size()));
    assertFalse(cmd.contains("http://archive.ubuntu.com/ubuntu"), cmd.toString());
  }
}
