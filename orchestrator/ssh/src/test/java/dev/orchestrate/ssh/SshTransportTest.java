package dev.orchestrate.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.ConnectionLostException;
import dev.orchestrate.core.transport.ExecResult;
import dev.orchestrate.core.transport.Output;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.testkit.Sshd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class SshTransportTest {
  @TempDir Path tmp;

  @Test
  void runsCommandsWithExitCodesEnvironmentAndLiveOutput() throws Exception {
    try (SshFixture f = new SshFixture(tmp);
        Transport t = f.connect()) {
      ExecResult r =
          t.run(
              Command.of("echo \"$GREETING\"; echo oops >&2; exit 7")
                  .withEnvironment(Map.of("GREETING", "it's \"quoted\" $HOME")));
      assertEquals(7, r.exitCode());
      assertEquals("it's \"quoted\" $HOME\n", r.stdout());
      assertEquals("oops\n", r.stderr());

      List<Long> arrivals = new CopyOnWriteArrayList<>();
      long start = System.nanoTime();
      int exit =
          t.exec(
              Command.of("echo first; sleep 1; echo second"),
              new Output() {
                @Override
                public void stdout(byte[] b, int off, int len) {
                  arrivals.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }

                @Override
                public void stderr(byte[] b, int off, int len) {}
              });
      assertEquals(0, exit);
      assertEquals(2, arrivals.size());
      assertTrue(
          arrivals.get(0) < 700, "first line streamed before the command ended: " + arrivals);
    }
  }

  @Test
  void timesOutLongCommands() throws Exception {
    try (SshFixture f = new SshFixture(tmp);
        Transport t = f.connect()) {
      OrchestrateException e =
          assertThrows(
              OrchestrateException.class,
              () -> t.run(Command.of("sleep 20").withTimeout(Duration.ofMillis(500))));
      assertEquals(ErrorCode.TRANSPORT, e.code());
      assertTrue(e.getMessage().contains("did not finish"), e.getMessage());
      assertEquals("ok\n", t.run("echo ok").stdout(), "the transport is usable afterwards");
    }
  }

  @Test
  void movesFilesOverSftp() throws Exception {
    try (SshFixture f = new SshFixture(tmp);
        Transport t = f.connect()) {
      byte[] data = new byte[3_000_000];
      new Random(1).nextBytes(data);
      Path local = Files.write(tmp.resolve("data.bin"), data);
      t.upload(local, "up.bin");
      assertArrayEquals(data, Files.readAllBytes(f.sshd.home().resolve("up.bin")));
      t.download("up.bin", tmp.resolve("back/down.bin"));
      assertArrayEquals(data, Files.readAllBytes(tmp.resolve("back/down.bin")));
      try (var in = t.openRead("up.bin", 2_999_990)) {
        assertEquals(10, in.readAllBytes().length);
      }
    }
  }

  @Test
  void generatesAnOwnerOnlyKeyThatOpenSshAccepts() throws Exception {
    try (SshFixture f = new SshFixture(tmp)) {
      Path key = f.key.privateKey();
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
      assertTrue(f.key.publicKeyLine().startsWith("ssh-ed25519 "));
      assertEquals(f.key.publicKeyLine(), ProjectKey.ensure(key, "other").publicKeyLine());
      Path knownHosts = tmp.resolve("kh");
      Files.writeString(knownHosts, "[127.0.0.1]:" + f.sshd.port() + " " + f.sshd.hostKey() + "\n");
      Process p =
          new ProcessBuilder(
                  "ssh",
                  "-i",
                  key.toString(),
                  "-p",
                  Integer.toString(f.sshd.port()),
                  "-o",
                  "BatchMode=yes",
                  "-o",
                  "IdentitiesOnly=yes",
                  "-o",
                  "UserKnownHostsFile=" + knownHosts,
                  f.sshd.user() + "@127.0.0.1",
                  "echo via-openssh")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), out);
      assertEquals("via-openssh\n", out);
    }
  }

  @Test
  void pinsTheHostKeyOnFirstContactAndRefusesAChangedOne() throws Exception {
    try (SshFixture f = new SshFixture(tmp)) {
      try (Transport t = f.connect()) {
        t.run("true");
      }
      String pinned = f.pins.pinned("machine-1").orElseThrow();
      assertEquals(f.sshd.hostKey().split(" ")[1], pinned.split(" ")[1]);
      int port = f.sshd.port();
      f.sshd.stop();
      try (Sshd impostor =
          Sshd.start(
              Sshd.Options.in(tmp.resolve("impostor"))
                  .withPort(port)
                  .withAuthorizedKeys(List.of(f.key.publicKeyLine())))) {
        HostKeyChangedException e = assertThrows(HostKeyChangedException.class, f::connect);
        assertEquals(ErrorCode.TRANSPORT, e.code());
        assertTrue(e.getMessage().contains("has changed"), e.getMessage());
        assertTrue(e.getMessage().contains(HostKeyPins.fingerprint(pinned)), e.getMessage());
        assertTrue(e.hint().orElseThrow().contains("remove"), e.hint().orElseThrow());
        assertEquals(pinned, f.pins.pinned("machine-1").orElseThrow(), "the pin is kept");
      }
    }
  }

  @Test
  void reconnectsAfterADropAndReportsTheLostCall() throws Exception {
    try (SshFixture f = new SshFixture(tmp);
        Transport t = f.connect()) {
      Thread dropper =
          new Thread(
              () -> {
                try {
                  Thread.sleep(500);
                  f.sshd.dropConnections();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      dropper.start();
      assertThrows(ConnectionLostException.class, () -> t.run("sleep 10"));
      dropper.join();
      assertEquals("back\n", t.run("echo back").stdout());
    }
  }

  @Test
  void refusesAnUnknownKeyWithAHint() throws Exception {
    try (SshFixture f = new SshFixture(tmp)) {
      ProjectKey stranger = ProjectKey.ensure(tmp.resolve("stranger/id"), "stranger");
      SshConnector other =
          new SshConnector(
              SshSettings.defaults(), stranger, f.pins, Retrier.quiet(Clock.systemUTC(), d -> {}));
      OrchestrateException e =
          assertThrows(OrchestrateException.class, () -> other.connect(f.endpoint()));
      assertTrue(e.getMessage().contains("refused our key"), e.getMessage());
      assertTrue(e.hint().orElseThrow().contains("authorized_keys"));
    }
  }
}
