package dev.orchestrate.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class SshConfigEntriesTest {
  @TempDir Path tmp;

  @Test
  void letsPlainOpenSshReachTheMachineByNameWithThePinnedKey() throws Exception {
    try (SshFixture f = new SshFixture(tmp)) {
      try (Transport t = f.connect()) {
        t.run("true"); // pins the host key
      }
      Path userConfig = tmp.resolve("home/.ssh/config");
      Files.createDirectories(userConfig.getParent());
      Files.writeString(userConfig, "Host elsewhere\n  User someone\n");
      SshConfigEntries entries =
          new SshConfigEntries(tmp.resolve("project/.orchestrate/ssh"), userConfig);
      entries.write(
          "gpu-box", f.endpoint(), f.key.privateKey(), f.pins.pinned("machine-1").orElseThrow());
      entries.write(
          "gpu-box", f.endpoint(), f.key.privateKey(), f.pins.pinned("machine-1").orElseThrow());
      String config = Files.readString(userConfig);
      assertTrue(config.startsWith("# Added by orchestrate"), config);
      assertEquals(1, config.split("Include ", -1).length - 1, "included once");
      assertTrue(config.contains("Host elsewhere"), "the user's own entries are kept");

      Process p =
          new ProcessBuilder(
                  "ssh",
                  "-F",
                  userConfig.toString(),
                  "-o",
                  "BatchMode=yes",
                  "gpu-box",
                  "echo hello from $HOME")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), out);
      assertEquals("hello from " + f.sshd.home() + "\n", out);

      entries.remove("gpu-box");
      assertFalse(Files.exists(entries.entry("gpu-box")));
      Process gone =
          new ProcessBuilder(
                  "ssh",
                  "-F",
                  userConfig.toString(),
                  "-o",
                  "BatchMode=yes",
                  "-o",
                  "ConnectTimeout=2",
                  "gpu-box",
                  "true")
              .redirectErrorStream(true)
              .start();
      gone.getInputStream().readAllBytes();
      assertTrue(gone.waitFor() != 0, "the name no longer resolves after down");
    }
  }
}
