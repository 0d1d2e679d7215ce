package dev.orchestrate.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.transport.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class LogFollowerTest {
  private static final int LINES = 20_000;
  private static final String FAST_WRITER =
      "i=1; while [ $i -le "
          + LINES
          + " ]; do echo \"line $i of $WHO\"; if [ $((i % 400)) -eq 0 ]; then sleep 0.05; fi;"
          + " i=$((i+1)); done; printf 'last words'; exit 3";

  @TempDir Path tmp;

  @Test
  void losesAndRepeatsNoLineWhileConnectionsKeepDropping() throws Exception {
    try (SshFixture f = new SshFixture(tmp)) {
      RemoteRun run;
      try (Transport t = f.connect()) {
        run =
            new DetachedLauncher(".orchestrate/runs", SshFixture.fastRetrier())
                .launch(t, "run-1", ".", FAST_WRITER, Map.of("WHO", "the engine"));
      }
      assertTrue(run.pid() > 0);

      List<String> lines = new CopyOnWriteArrayList<>();
      AtomicInteger warnings = new AtomicInteger();
      EventSink sink =
          e -> {
            if (e instanceof LogLine l) {
              lines.add(l.line());
            } else if (e instanceof Warning) {
              warnings.incrementAndGet();
            }
          };
      AtomicBoolean done = new AtomicBoolean();
      AtomicInteger drops = new AtomicInteger();
      Thread dropper =
          new Thread(
              () -> {
                while (!done.get() && drops.get() < 8) {
                  try {
                    Thread.sleep(300);
                  } catch (InterruptedException e) {
                    return;
                  }
                  if (f.sshd.dropConnections() > 0) {
                    drops.incrementAndGet();
                  }
                }
              });
      Path local = tmp.resolve("logs/run-1/engine.log");
      int exit;
      try (Transport t = f.connect()) {
        dropper.start();
        exit =
            new LogFollower(
                    SshFixture.fastRetrier(),
                    d -> Thread.sleep(d.toMillis()),
                    Clock.systemUTC(),
                    Duration.ofMillis(50))
                .follow(t, run, local, "engine", sink);
      } finally {
        done.set(true);
        dropper.join();
      }
      assertEquals(3, exit);
      assertTrue(drops.get() >= 3, "connections were dropped " + drops.get() + " times");
      assertTrue(warnings.get() >= 1, "the follower noticed drops");
      List<String> expected = new ArrayList<>();
      for (int i = 1; i <= LINES; i++) {
        expected.add("line " + i + " of the engine");
      }
      expected.add("last words");
      assertEquals(expected.size(), lines.size(), "no line lost or repeated");
      assertEquals(expected, lines);
      byte[] remote =
          Files.readAllBytes(f.sshd.home().resolve(".orchestrate/runs/run-1/output.log"));
      assertArrayEquals(remote, Files.readAllBytes(local), "the local copy is the remote log");

      try (Transport t = f.connect()) {
        Followed again = followAtOnce(t, run, local);
        assertEquals(3, again.exit());
        assertEquals(List.of(), again.lines(), "re-attaching resumes from the local copy's end");
      }
    }
  }

  @Test
  void reportsAProcessKilledWithoutAnExitCode() throws Exception {
    try (SshFixture f = new SshFixture(tmp);
        Transport t = f.connect()) {
      RemoteRun run =
          new DetachedLauncher(".orchestrate/runs", SshFixture.fastRetrier())
              .launch(t, "run-2", ".", "echo started; sleep 30", Map.of());
      Thread.sleep(300);
      t.run("kill -9 -- -" + run.pid()); // the whole session: setsid made it a group
      Followed followed = followAtOnce(t, run, tmp.resolve("logs/run-2/engine.log"));
      assertEquals(LogFollower.KILLED, followed.exit());
      assertEquals(List.of("started"), followed.lines());
    }
  }

  @Test
  void countsAZombieAsEndedWithoutWaitingForItsReaper() throws Exception {
    try (SshFixture f = new SshFixture(tmp);
        Transport t = f.connect()) {
      // The process in the pid file ends at once but stays a zombie: its parent execs into a
      // sleep that never reaps it (as a container's init may not).
      String dir = ".orchestrate/runs/run-3";
      t.run(
          "mkdir -p "
              + dir
              + " && echo before > "
              + dir
              + "/output.log && (sh -c 'sleep 0.1 & echo $! > "
              + dir
              + "/pid; echo $$ > "
              + dir
              + "/parent; exec sleep 60' > /dev/null 2>&1 < /dev/null &) && sleep 0.5");
      Followed followed;
      try {
        followed =
            followAtOnce(
                t,
                new RemoteRun("run-3", dir, pidIn(t, dir)),
                tmp.resolve("logs/run-3/engine.log"));
      } finally {
        t.run("kill $(cat " + dir + "/parent) 2>/dev/null; true");
      }
      assertEquals(LogFollower.KILLED, followed.exit());
      assertEquals(List.of("before"), followed.lines());
      assertFast(followed);
    }
  }

  @Test
  void endsWhenTheExitFileIsWrittenThoughThePidStaysAlive() throws Exception {
    try (SshFixture f = new SshFixture(tmp);
        Transport t = f.connect()) {
      String dir = ".orchestrate/runs/run-4";
      t.run(
          "mkdir -p "
              + dir
              + " && : > "
              + dir
              + "/output.log && (sleep 60 > /dev/null 2>&1 < /dev/null & echo $! > "
              + dir
              + "/pid) && (sh -c 'sleep 0.3; echo one >> "
              + dir
              + "/output.log; printf two >> "
              + dir
              + "/output.log; echo 4 > "
              + dir
              + "/exit' > /dev/null 2>&1 < /dev/null &)");
      long pid = pidIn(t, dir);
      Followed followed;
      try {
        followed =
            followAtOnce(t, new RemoteRun("run-4", dir, pid), tmp.resolve("logs/run-4/engine.log"));
      } finally {
        t.run("kill " + pid + " 2>/dev/null; true");
      }
      assertEquals(4, followed.exit());
      assertEquals(
          List.of("one", "two"), followed.lines(), "every byte up to the end, the last line too");
      assertFast(followed);
    }
  }

  /** What following a run saw: its exit code, its lines, and how long until it ended. */
  private record Followed(int exit, List<String> lines, Duration took) {}

  // Follows with no pause between polls or retries, collecting the lines.
  private static Followed followAtOnce(Transport t, RemoteRun run, Path local) {
    List<String> lines = new CopyOnWriteArrayList<>();
    long start = System.nanoTime();
    int exit =
        new LogFollower(
                Retrier.quiet(Clock.systemUTC(), d -> {}),
                d -> {},
                Clock.systemUTC(),
                Duration.ZERO)
            .follow(
                t,
                run,
                local,
                "engine",
                e -> {
                  if (e instanceof LogLine l) {
                    lines.add(l.line());
                  }
                });
    return new Followed(exit, lines, Duration.ofNanos(System.nanoTime() - start));
  }

  private static long pidIn(Transport t, String dir) {
    return Long.parseLong(t.run("cat " + dir + "/pid").stdout().trim());
  }

  // It ended as the process did, not after waiting out a reaper or a timeout.
  private static void assertFast(Followed followed) {
    assertTrue(followed.took().compareTo(Duration.ofSeconds(20)) < 0, "took " + followed.took());
  }
}
