package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.run.AbandonedRuns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code logs/<run-id>/up.pid}: which {@code orchestrate} process drives a run (pid and start
 * time), so {@code status} and {@code logs -f} can tell a running run from one whose driver died.
 */
final class UpProcess {
  static final String FILE = "up.pid";

  private UpProcess() {}

  static void write(Path runDir) throws IOException {
    ProcessHandle self = ProcessHandle.current();
    Files.createDirectories(runDir);
    Files.writeString(
        runDir.resolve(FILE),
        self.pid() + "\n" + self.info().startInstant().map(Object::toString).orElse("") + "\n",
        StandardCharsets.UTF_8);
  }

  /**
   * Settles runs whose driver died ({@link AbandonedRuns}): driven means the {@code up}/{@code run}
   * process is alive or a {@code logs -f} re-attached.
   */
  static AbandonedRuns abandonedRuns(CliContext c) {
    return new AbandonedRuns(
        c.runs(),
        c.ledger(),
        id -> alive(c.runs().runDir(id)) || Reattaching.held(c.runs().runDir(id)),
        c.clock());
  }

  /** Whether the process that drives the run in {@code runDir} is still alive. */
  static boolean alive(Path runDir) {
    try {
      List<String> lines = Files.readAllLines(runDir.resolve(FILE), StandardCharsets.UTF_8);
      long pid = Long.parseLong(lines.get(0).strip());
      String start = lines.size() > 1 ? lines.get(1).strip() : "";
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(
              h ->
                  start.isEmpty()
                      || h.info().startInstant().map(Object::toString).orElse("").equals(start))
          .isPresent();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
