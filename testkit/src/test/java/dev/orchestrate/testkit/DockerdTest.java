package dev.orchestrate.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class DockerdTest {
  @Test
  void commandIsPrivateAndNetworkFree() {
    List<String> cmd = Dockerd.command("/usr/sbin/dockerd", Path.of("/tmp/d"), "vfs");
    assertTrue(cmd.contains("--host=unix:///tmp/d/docker.sock"));
    assertTrue(cmd.contains("--data-root=/tmp/d/root"));
    assertTrue(cmd.contains("--bridge=none"));
    assertTrue(cmd.contains("--iptables=false"));
    assertTrue(cmd.contains("--ip-masq=false"));
    assertTrue(cmd.contains("--storage-driver=vfs"));
    assertFalse(
        Dockerd.command("d", Path.of("/x"), "").stream().anyMatch(a -> a.contains("storage")));
  }

  @Test
  @Tag("integration")
  void startsAnswersAndCleansUp() {
    Path socket;
    try (Dockerd d = Dockerd.start()) {
      socket = d.socket();
      assertTrue(d.ping());
      assertEquals("unix://" + socket, d.host());
    }
    assertFalse(Files.exists(socket.getParent()), "data root and socket removed");
  }
}
