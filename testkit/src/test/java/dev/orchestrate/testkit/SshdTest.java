package dev.orchestrate.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exercises {@link Sshd} with the OpenSSH client, the way a user outside our tool would. */
@Tag("integration")
class SshdTest {
  @TempDir Path tmp;
  private Path clientKey;

  @BeforeEach
  void keys() throws IOException {
    clientKey = tmp.resolve("client/id_ed25519");
    Sshd.generateKey(clientKey, "test-client");
  }

  @Test
  void runsCommandsInItsHomeWithItsEnvironment() throws Exception {
    try (Sshd sshd =
        start(Sshd.Options.in(tmp.resolve("a")).withEnvironment(Map.of("GREETING", "hi there")))) {
      Result r = ssh(sshd, "pwd; echo \"$HOME|$GREETING\"; echo err >&2; exit 3");
      assertEquals(3, r.exit(), r.output());
      assertTrue(r.output().contains(sshd.home().toString() + "\n"), r.output());
      assertTrue(r.output().contains(sshd.home() + "|hi there"), r.output());
      assertTrue(r.output().contains("err"), r.output());
    }
  }

  @Test
  void pinsItsOwnHostKeyAndServesSftp() throws Exception {
    try (Sshd sshd = start(Sshd.Options.in(tmp.resolve("b")))) {
      assertTrue(sshd.hostKey().startsWith("ssh-ed25519 "), sshd.hostKey());
      Path batch = tmp.resolve("batch");
      Files.writeString(batch, "put " + clientKey + ".pub uploaded.pub\n");
      Result r =
          exec(
              List.of(
                  "sftp",
                  "-b",
                  batch.toString(),
                  "-P",
                  Integer.toString(sshd.port()),
                  "-i",
                  clientKey.toString(),
                  "-o",
                  "UserKnownHostsFile=" + knownHosts(sshd),
                  "-o",
                  "StrictHostKeyChecking=yes",
                  "-o",
                  "BatchMode=yes",
                  sshd.user() + "@" + sshd.host()));
      assertEquals(0, r.exit(), r.output());
      assertEquals(
          Files.readString(Path.of(clientKey + ".pub")),
          Files.readString(sshd.home().resolve("uploaded.pub")));
    }
  }

  @Test
  void dropsConnectionsButKeepsListeningAndDetachedProcesses() throws Exception {
    try (Sshd sshd = start(Sshd.Options.in(tmp.resolve("c")))) {
      assertEquals(
          0, ssh(sshd, "nohup sh -c 'sleep 2; echo done > detached.txt' >/dev/null 2>&1 &").exit());
      Process hanging =
          new ProcessBuilder(sshCommand(sshd, "sleep 30")).redirectErrorStream(true).start();
      Thread.sleep(700);
      assertTrue(sshd.dropConnections() >= 1);
      assertTrue(hanging.waitFor(10, TimeUnit.SECONDS), "ssh should notice the drop");
      assertNotEquals(0, hanging.exitValue());
      assertEquals(0, ssh(sshd, "true").exit(), "listener still serves new connections");
      Path marker = sshd.home().resolve("detached.txt");
      for (int i = 0; i < 50 && !Files.exists(marker); i++) {
        Thread.sleep(100);
      }
      assertTrue(Files.exists(marker), "the detached process survived the drop");
    }
  }

  @Test
  void restartsOnTheSamePortWithTheSameHostKey() throws Exception {
    Sshd first = start(Sshd.Options.in(tmp.resolve("d")));
    int port = first.port();
    String key = first.hostKey();
    Path keyFile = tmp.resolve("keep/host_key");
    Files.createDirectories(keyFile.getParent());
    Files.copy(first.hostKeyFile(), keyFile);
    first.stop();
    assertTrue(!first.isRunning());
    try (Sshd second =
        start(Sshd.Options.in(tmp.resolve("e")).withPort(port).withHostKey(keyFile))) {
      assertEquals(port, second.port());
      assertEquals(key.split(" ")[1], second.hostKey().split(" ")[1]);
      assertEquals(0, ssh(second, "true").exit());
    }
  }

  private Sshd start(Sshd.Options options) throws IOException {
    return Sshd.start(options.withAuthorizedKeys(List.of(Sshd.publicKeyOf(clientKey))));
  }

  private Path knownHosts(Sshd sshd) throws IOException {
    Path file = tmp.resolve("known_hosts_" + sshd.port());
    Files.writeString(file, "[" + sshd.host() + "]:" + sshd.port() + " " + sshd.hostKey() + "\n");
    return file;
  }

  private List<String> sshCommand(Sshd sshd, String command) throws IOException {
    return OpenSsh.to(sshd.port(), clientKey)
        .option("UserKnownHostsFile=" + knownHosts(sshd))
        .option("StrictHostKeyChecking=yes")
        .option("ServerAliveInterval=1")
        .option("ServerAliveCountMax=2")
        .command(sshd.user() + "@" + sshd.host(), command);
  }

  private Result ssh(Sshd sshd, String command) throws Exception {
    return exec(sshCommand(sshd, command));
  }

  private static Result exec(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return new Result(p.exitValue(), out);
  }

  private record Result(int exit, String output) {}
}
