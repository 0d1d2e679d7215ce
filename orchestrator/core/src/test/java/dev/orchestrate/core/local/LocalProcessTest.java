package dev.orchestrate.core.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.run.Cancellation;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LocalProcessTest {
  @TempDir Path dir;

  private LocalProcess processes() {
    return new LocalProcess(dir, Map.of("PATH", "/usr/bin:/bin"), Clock.systemUTC());
  }

  @Test
  void streamsBothOutputsLineByLineAndReturnsTheExitCode() {
    List<LogLine> lines = new CopyOnWriteArrayList<>();
    LocalProcess.Exit exit =
        processes()
            .run(
                "engine",
                List.of("sh", "-c", "echo one; echo two >&2; printf 'no newline'; exit 3"),
                Map.of("EXTRA", "x"),
                new Cancellation(),
                e -> lines.add((LogLine) e),
                h -> {});
    assertEquals(new LocalProcess.Exit(3, false), exit);
    assertTrue(
        lines.stream()
            .anyMatch(l -> l.line().equals("one") && l.stream() == LogLine.Stream.STDOUT));
    assertTrue(
        lines.stream()
            .anyMatch(l -> l.line().equals("two") && l.stream() == LogLine.Stream.STDERR));
    assertTrue(lines.stream().anyMatch(l -> l.line().equals("no newline")));
  }

  @Test
  @Timeout(30)
  void cancellationStopsTheProcessAndItsChildren() throws Exception {
    Cancellation cancel = new Cancellation();
    AtomicReference<ProcessHandle> started = new AtomicReference<>();
    CompletableFuture<LocalProcess.Exit> run =
        CompletableFuture.supplyAsync(
            () ->
                processes()
                    .run(
                        "engine",
                        List.of("sh", "-c", "sleep 100 & sleep 100; wait"),
                        Map.of(),
                        cancel,
                        e -> {},
                        started::set));
    while (started.get() == null || started.get().descendants().count() < 2) {
      Thread.sleep(20);
    }
    List<ProcessHandle> family = started.get().descendants().toList();
    cancel.cancel();
    LocalProcess.Exit exit = run.get(20, TimeUnit.SECONDS);
    assertTrue(exit.cancelled());
    assertEquals(143, exit.exitCode(), "SIGTERM");
    for (ProcessHandle h : family) {
      h.onExit().get(10, TimeUnit.SECONDS);
      assertFalse(h.isAlive());
    }
  }

  @Test
  void relativeProgramsComeFromTheWorkDirAndBareOnesFromThePath() {
    OrchestrateException missing =
        assertThrows(
            OrchestrateException.class,
            () ->
                processes()
                    .run(
                        "engine",
                        List.of("no-such-tool"),
                        Map.of(),
                        new Cancellation(),
                        e -> {},
                        h -> {}));
    assertEquals(ErrorCode.ENGINE, missing.code());
    OrchestrateException relative =
        assertThrows(
            OrchestrateException.class,
            () ->
                processes()
                    .run(
                        "engine",
                        List.of("bin/engine"),
                        Map.of(),
                        new Cancellation(),
                        e -> {},
                        h -> {}));
    assertTrue(relative.getMessage().contains("cannot start bin/engine"), relative::getMessage);
  }
}
