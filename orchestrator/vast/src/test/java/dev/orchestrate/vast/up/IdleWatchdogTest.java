package dev.orchestrate.vast.up;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.orchestrate.runtime.EngineRuntime;
import dev.orchestrate.runtime.HttpDelete;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The watchdog's own shell, run for real under the shells an image may have: a run whose engine
 * died but was never reaped (a zombie: the container's PID 1 does not reap) is not active, so the
 * idle instance is destroyed; a live engine keeps it.
 */
class IdleWatchdogTest {
  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stop() {
    started.forEach(Process::destroyForcibly);
  }

  static Stream<String> shells() {
    List<String> shells = new ArrayList<>(List.of("sh"));
    if (Files.isExecutable(Path.of("/bin/busybox"))
        || Files.isExecutable(Path.of("/usr/bin/busybox"))) {
      shells.add("busybox sh");
    }
    return shells.stream();
  }

  @ParameterizedTest
  @MethodSource("shells")
  void aZombieEngineIsNotAnActiveRun(String shell) throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc");
    Path home = Files.createDirectories(dir.resolve("home/orchestrate"));
    long zombie = zombie();
    run(home, "zombie-run", zombie);
    assertEquals("idle", activeRuns(shell, home), "a zombie engine holds no run");

    Process live = start("sleep", "30");
    run(home, "live-run", live.pid());
    assertEquals("active", activeRuns(shell, home), "a live engine does");
    Files.writeString(home.resolve(".runs/live-run/exit"), "0\n");
    assertEquals("idle", activeRuns(shell, home), "a run with its exit file has ended");
  }

  @ParameterizedTest
  @MethodSource("shells")
  void theWatchdogDestroysAnIdleInstanceWhoseEngineIsAZombie(String shell) throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc");
    Path home = Files.createDirectories(dir.resolve("home"));
    run(home.resolve("orchestrate"), "zombie-run", zombie());
    List<String> deletes = new CopyOnWriteArrayList<>();
    HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    api.createContext(
        "/",
        ex -> {
          deletes.add(
              ex.getRequestMethod()
                  + " "
                  + ex.getRequestURI().getPath()
                  + " "
                  + ex.getRequestHeaders().getFirst("Authorization"));
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    api.start();
    try {
      Path script = dir.resolve("watchdog.sh");
      Files.writeString(script, IdleWatchdog.script());
      List<String> cmd = new ArrayList<>(List.of(shell.split(" ")));
      cmd.add(script.toString());
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.redirectOutput(dir.resolve("watchdog.log").toFile());
      pb.environment().put("HOME", home.toString());
      pb.environment().put("ORCHESTRATE_IDLE_SECONDS", "1");
      pb.environment().put("CONTAINER_ID", "4242");
      pb.environment().put("CONTAINER_API_KEY", "instance-key");
      pb.environment()
          .put("ORCHESTRATE_VAST_URL", "http://127.0.0.1:" + api.getAddress().getPort());
      Process watchdog = pb.start();
      started.add(watchdog);
      boolean ended = watchdog.waitFor(10, TimeUnit.SECONDS);
      String log = Files.readString(dir.resolve("watchdog.log"));
      assertTrue(ended, "the watchdog is still waiting on a zombie: " + log);
      assertEquals(List.of("DELETE /api/v0/instances/4242/ Bearer instance-key"), deletes, log);
    } finally {
      api.stop(0);
    }
  }

  /**
   * A plain {@code nvidia/cuda} runtime image: no curl, wget or python3 on the PATH, only the shell
   * tools the script needs; the engine runtime is installed (its JRE, here this JDK's java, and its
   * {@code tools/}). The idle instance is still destroyed, with the instance key.
   */
  @Test
  void theWatchdogDestroysThroughTheShippedJreWhereTheImageHasNoHttpClient() throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    Path runtime = Files.createDirectories(home.resolve(EngineRuntime.REMOTE_DIR));
    Files.createDirectories(runtime.resolve("jre/bin"));
    Files.createSymbolicLink(
        runtime.resolve("jre/bin/java"), Path.of(System.getProperty("java.home"), "bin/java"));
    Path tool =
        runtime
            .resolve(EngineRuntime.TOOLS)
            .resolve(HttpDelete.class.getName().replace('.', '/') + ".class");
    Files.createDirectories(tool.getParent());
    try (InputStream in = HttpDelete.class.getResourceAsStream("HttpDelete.class")) {
      Files.write(tool, in.readAllBytes());
    }
    Path bin = Files.createDirectories(dir.resolve("bin"));
    for (String t : List.of("sh", "sleep", "date", "stat", "cat", "mkdir", "touch", "rm")) {
      Path real = Path.of("/usr/bin", t);
      Files.createSymbolicLink(bin.resolve(t), Files.exists(real) ? real : Path.of("/bin", t));
    }
    List<String> deletes = new CopyOnWriteArrayList<>();
    HttpServer api = recordingApi(deletes);
    try {
      Path script = dir.resolve("watchdog.sh");
      Files.writeString(script, IdleWatchdog.script());
      ProcessBuilder pb =
          new ProcessBuilder(bin.resolve("sh").toString(), script.toString())
              .redirectErrorStream(true);
      pb.redirectOutput(dir.resolve("watchdog.log").toFile());
      pb.environment().put("PATH", bin.toString());
      pb.environment().put("HOME", home.toString());
      pb.environment().put("ORCHESTRATE_IDLE_SECONDS", "1");
      pb.environment().put("CONTAINER_ID", "4343");
      pb.environment().put("CONTAINER_API_KEY", "instance-key");
      pb.environment()
          .put("ORCHESTRATE_VAST_URL", "http://127.0.0.1:" + api.getAddress().getPort());
      Process watchdog = pb.start();
      started.add(watchdog);
      boolean ended = watchdog.waitFor(30, TimeUnit.SECONDS);
      String log = Files.readString(dir.resolve("watchdog.log"));
      assertTrue(ended, "the watchdog did not destroy the idle instance: " + log);
      assertEquals(0, watchdog.exitValue(), log);
      assertEquals(List.of("DELETE /api/v0/instances/4343/ Bearer instance-key"), deletes, log);
    } finally {
      api.stop(0);
    }
  }

  /** Without the runtime and without any HTTP client, it says so and tries again next tick. */
  @Test
  void withNoWayToCallTheApiTheWatchdogSaysWhyAndKeepsTrying() throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    Path bin = Files.createDirectories(dir.resolve("bin"));
    for (String t : List.of("sh", "sleep", "date", "stat", "cat", "mkdir", "touch", "rm")) {
      Path real = Path.of("/usr/bin", t);
      Files.createSymbolicLink(bin.resolve(t), Files.exists(real) ? real : Path.of("/bin", t));
    }
    Path script = dir.resolve("watchdog.sh");
    Files.writeString(script, IdleWatchdog.script());
    ProcessBuilder pb =
        new ProcessBuilder(bin.resolve("sh").toString(), script.toString())
            .redirectErrorStream(true);
    pb.redirectOutput(dir.resolve("watchdog.log").toFile());
    pb.environment().put("PATH", bin.toString());
    pb.environment().put("HOME", home.toString());
    pb.environment().put("ORCHESTRATE_IDLE_SECONDS", "1");
    pb.environment().put("CONTAINER_ID", "4444");
    pb.environment().put("CONTAINER_API_KEY", "instance-key");
    pb.environment().put("ORCHESTRATE_VAST_URL", "http://127.0.0.1:9");
    Process watchdog = pb.start();
    started.add(watchdog);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String log = "";
    while (System.nanoTime() < deadline && !log.contains("destroy failed")) {
      Thread.sleep(100);
      log = Files.readString(dir.resolve("watchdog.log"));
    }
    assertTrue(log.contains("no engine runtime yet and no curl, wget or python3"), log);
    assertTrue(watchdog.isAlive(), "it keeps trying: " + log);
  }

  private static HttpServer recordingApi(List<String> deletes) throws IOException {
    HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    api.createContext(
        "/",
        ex -> {
          deletes.add(
              ex.getRequestMethod()
                  + " "
                  + ex.getRequestURI().getPath()
                  + " "
                  + ex.getRequestHeaders().getFirst("Authorization"));
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    api.start();
    return api;
  }

  /** Asks the watchdog's own check whether a run under {@code dir} is active. */
  private String activeRuns(String shell, Path dir) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(shell.split(" ")));
    cmd.addAll(
        List.of(
            "-c",
            IdleWatchdog.ACTIVE_RUNS
                + "\nif runs_active \"$1\"; then echo active; else echo idle; fi",
            "watchdog",
            dir.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  private static void run(Path dir, String name, long pid) throws IOException {
    Path run = Files.createDirectories(dir.resolve(".runs").resolve(name));
    Files.writeString(run.resolve("pid"), pid + "\n");
  }

  /**
   * A zombie: a child that exits under a parent that never waits for it (the first sleep, once the
   * shell has exec'd the second in its place). Returns its pid once /proc says it is a zombie.
   */
  private long zombie() throws Exception {
    Path pidFile = dir.resolve("zombie.pid");
    start("sh", "-c", "sleep 0.1 & echo $! > '" + pidFile + "'; exec sleep 30");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (Files.exists(pidFile)) {
        String pid = Files.readString(pidFile).strip();
        if (!pid.isEmpty()) {
          try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            if (stat.contains(") Z ")) {
              return Long.parseLong(pid);
            }
          } catch (IOException notYet) {
            // the child may not be there yet
          }
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no zombie appeared");
  }

  private Process start(String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    started.add(p);
    return p;
  }
}
