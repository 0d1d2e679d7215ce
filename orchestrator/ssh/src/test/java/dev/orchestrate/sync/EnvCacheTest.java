package dev.orchestrate.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.ssh.SshFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvCacheTest {
  @TempDir Path tmp;
  private final List<Event> events = new CopyOnWriteArrayList<>();

  @Test
  void fingerprintFollowsEveryInputAndNothingElse() throws Exception {
    Path lock = Files.writeString(tmp.resolve("uv.lock"), "torch==2.7.1\n");
    EnvInputs base = new EnvInputs(Optional.of(lock), "sha256:aaa", "12", "0.1.0");
    String fp = base.fingerprint();
    assertTrue(fp.startsWith("sha256:"));
    Path sameContent = Files.writeString(tmp.resolve("other.lock"), "torch==2.7.1\n");
    assertEquals(
        fp, new EnvInputs(Optional.of(sameContent), "sha256:aaa", "12", "0.1.0").fingerprint());
    assertNotEquals(
        fp, new EnvInputs(Optional.of(lock), "sha256:bbb", "12", "0.1.0").fingerprint());
    assertNotEquals(
        fp, new EnvInputs(Optional.of(lock), "sha256:aaa", "13", "0.1.0").fingerprint());
    assertNotEquals(
        fp, new EnvInputs(Optional.of(lock), "sha256:aaa", "12", "0.2.0").fingerprint());
    Files.writeString(lock, "torch==2.8.0\n");
    assertNotEquals(fp, base.fingerprint());
  }

  @Test
  @Tag("integration")
  void buildsOnceThenSkipsUntilTheFingerprintChanges() throws Exception {
    try (SshFixture f = new SshFixture(tmp.resolve("ssh"));
        Transport t = f.connect()) {
      EnvCache cache = new EnvCache(events::add, Clock.systemUTC());
      String build = "echo building in $ENV_DIR; echo x >> builds.txt; touch python";
      EnvSpec spec =
          new EnvSpec("venv", "envs/olmo", "sha256:one", Optional.empty(), Optional.of(build));
      assertEquals(EnvCache.Outcome.BUILT, cache.ensure(t, spec));
      assertTrue(
          events.stream()
              .anyMatch(e -> e instanceof LogLine l && l.line().equals("building in envs/olmo")));
      assertEquals(EnvCache.Outcome.UP_TO_DATE, cache.ensure(t, spec));
      Path dir = f.sshd.home().resolve("envs/olmo");
      assertEquals("sha256:one\n", Files.readString(dir.resolve(EnvCache.MARKER)));
      assertEquals(1, Files.readAllLines(dir.resolve("builds.txt")).size());

      EnvSpec changed =
          new EnvSpec("venv", "envs/olmo", "sha256:two", Optional.empty(), Optional.of(build));
      assertEquals(EnvCache.Outcome.BUILT, cache.ensure(t, changed));
      assertEquals(2, Files.readAllLines(dir.resolve("builds.txt")).size());

      EnvSpec broken =
          new EnvSpec(
              "venv",
              "envs/olmo",
              "sha256:three",
              Optional.empty(),
              Optional.of("echo no >&2; exit 4"));
      OrchestrateException e =
          assertThrows(OrchestrateException.class, () -> cache.ensure(t, broken));
      assertTrue(e.getMessage().contains("exit code 4"), e.getMessage());
      assertFalse(Files.exists(dir.resolve(EnvCache.MARKER)), "no marker after a failed build");
      assertEquals(EnvCache.Outcome.BUILT, cache.ensure(t, changed), "the next run tries again");
    }
  }

  @Test
  @Tag("integration")
  void buildOutputComesAsWholeLinesLabelledWithTheirStream() throws Exception {
    try (SshFixture f = new SshFixture(tmp.resolve("ssh"));
        Transport t = f.connect()) {
      EnvCache cache = new EnvCache(events::add, Clock.systemUTC());
      // a character and a line cut across writes (and so across chunks), stderr in between, and a
      // last line without a newline
      String build =
          "printf 'gr\\303'; sleep 0.3; printf '\\266\\303\\237e'; sleep 0.3;"
              + " echo ' ok'; echo 'warn: slow' >&2; sleep 0.3; printf 'last'";
      EnvSpec spec =
          new EnvSpec("venv", "envs/lines", "sha256:l", Optional.empty(), Optional.of(build));
      assertEquals(EnvCache.Outcome.BUILT, cache.ensure(t, spec));
      List<String> lines =
          events.stream()
              .filter(e -> e instanceof LogLine)
              .map(e -> (LogLine) e)
              .map(l -> l.stream() + ":" + l.line())
              .toList();
      assertEquals(List.of("STDOUT:größe ok", "STDERR:warn: slow", "STDOUT:last"), lines);
    }
  }

  @Test
  @Tag("integration")
  void installsACachedArchiveAndReplacesTheOldEnvironment() throws Exception {
    Path content = Files.createDirectories(tmp.resolve("built-env/bin"));
    Files.writeString(content.resolve("python"), "#!/bin/sh\necho fake python\n");
    Path archive = tmp.resolve("env.tar.gz");
    Process tar =
        new ProcessBuilder(
                "tar", "-czf", archive.toString(), "-C", tmp.resolve("built-env").toString(), ".")
            .inheritIO()
            .start();
    assertEquals(0, tar.waitFor());
    try (SshFixture f = new SshFixture(tmp.resolve("ssh"));
        Transport t = f.connect()) {
      Path dir = f.sshd.home().resolve("envs/runtime");
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("stale.txt"), "from an older environment");
      EnvCache cache = new EnvCache(events::add, Clock.systemUTC());
      EnvSpec spec =
          new EnvSpec(
              "runtime", "envs/runtime", "sha256:abc", Optional.of(archive), Optional.empty());
      assertEquals(EnvCache.Outcome.INSTALLED_ARCHIVE, cache.ensure(t, spec));
      assertTrue(Files.exists(dir.resolve("bin/python")));
      assertFalse(Files.exists(dir.resolve("stale.txt")), "the old environment was replaced");
      assertEquals(EnvCache.Outcome.UP_TO_DATE, cache.ensure(t, spec));
    }
  }
}
