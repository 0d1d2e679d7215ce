package dev.orchestrate.cli.command;

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
