package dev.orchestrate.core.target;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.io.AtomicFiles;
import dev.orchestrate.core.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Run folders under the logs dir: {@code <logs>/<run-id>/run.json} (the {@link RunRecord}) and
 * {@code engine.log} (the engine's output, one line per line, as it came).
 */
public final class RunRecordStore {
  public static final String RECORD = "run.json";
  public static final String ENGINE_LOG = "engine.log";

  private final Path logsDir;
  private final ObjectMapper json = Json.mapper();

  public RunRecordStore(Path logsDir) {
    this.logsDir = logsDir;
  }

  public Path logsDir() {
    return logsDir;
  }

  public Path runDir(RunId runId) {
    return logsDir.resolve(runId.value());
  }

  public Path engineLog(RunId runId) {
    return runDir(runId).resolve(ENGINE_LOG);
  }

  public void write(RunRecord record) {
    Path file = runDir(record.runId()).resolve(RECORD);
    try {
      AtomicFiles.write(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "cannot write the run record " + file + ": " + e.getMessage(),
          "check that the logs folder is writable",
          e);
    }
  }

  /**
   * Ends a run that is still recorded as RUNNING, for a process other than the one that started it
   * (a {@code logs -f} that re-attached after the {@code up} client died): under a lock on the run
   * folder the record is read again and {@code finish} applied only if it still says RUNNING, so
   * two re-attachers, or one that comes after the run was already ended, never overwrite an ended
   * record. Returns the record as it now stands.
   */
  public Optional<RunRecord> finishIfRunning(
      RunId runId, java.util.function.UnaryOperator<RunRecord> finish) {
    Path lock = runDir(runId).resolve(RECORD + ".lock");
    try (java.nio.channels.FileChannel ch =
            java.nio.channels.FileChannel.open(
                lock,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE);
        java.nio.channels.FileLock held = ch.lock()) {
      Optional<RunRecord> now = read(runId);
      if (now.isEmpty() || now.get().status() != RunRecord.Status.RUNNING) {
        return now;
      }
      RunRecord done = finish.apply(now.get());
      write(done);
      return Optional.of(done);
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "cannot lock the run record in " + runDir(runId) + ": " + e.getMessage(),
          "check that the logs folder is writable",
          e);
    }
  }

  public Optional<RunRecord> read(RunId runId) {
    Path file = runDir(runId).resolve(RECORD);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(json.readValue(file.toFile(), RunRecord.class));
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "the run record " + file + " is unreadable: " + e.getMessage(),
          "the engine log next to it may still tell what happened",
          e);
    }
  }

  /** Every run with a readable record, newest first. Unreadable folders are skipped. */
  public List<RunRecord> list() {
    if (!Files.isDirectory(logsDir)) {
      return List.of();
    }
    List<RunRecord> records = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(logsDir)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        String name = dir.getFileName().toString();
        try {
          read(RunId.parse(name)).ifPresent(records::add);
        } catch (IllegalArgumentException | OrchestrateException e) {
          // not a run folder, or a damaged one: status lists what it can read
        }
      }
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "cannot list " + logsDir + ": " + e.getMessage(), null, e);
    }
    records.sort(Comparator.comparing(RunRecord::runId).reversed());
    return records;
  }
}
