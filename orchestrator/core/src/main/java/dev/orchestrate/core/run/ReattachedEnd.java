package dev.orchestrate.core.run;

import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.RunRecord;
import dev.orchestrate.core.target.RunRecordStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Stream;

/**
 * Ends the record of a run whose {@code up} client died while the engine went on (a detached remote
 * run) once a re-attached {@code logs -f} has followed it to the end: the same fields {@link
 * UpFlow} would have written — exit code, status, the engine's JSON-lines metrics (read back from
 * {@code engine.log}), end time and the cost so far — written atomically and only if the record
 * still says RUNNING ({@link RunRecordStore#finishIfRunning}).
 */
public final class ReattachedEnd {
  private final RunRecordStore store;
  private final Clock clock;

  public ReattachedEnd(RunRecordStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * @param costUsd what the machine has cost so far at its billed price, when it could be read
   * @return the record as it stands afterwards (unchanged when someone else ended it first)
   */
  public RunRecord finish(RunId runId, int exitCode, OptionalDouble costUsd) {
    Map<String, Object> metrics = metrics(store.engineLog(runId));
    return store
        .finishIfRunning(
            runId,
            r -> {
              RunRecord out = r.withMetrics(metrics);
              if (costUsd.isPresent()) {
                out = out.withCost(costUsd.getAsDouble());
              }
              RunRecord.Status status =
                  exitCode == 0 ? RunRecord.Status.SUCCEEDED : RunRecord.Status.FAILED;
              String why = exitCode == 0 ? "" : "engine exited with code " + exitCode;
              return out.ended(clock.instant(), status, exitCode, why);
            })
        .orElseThrow(() -> new IllegalStateException("run record of " + runId + " vanished"));
  }

  /** The metrics the engine printed, read back from the log as the up flow collected them. */
  static Map<String, Object> metrics(Path engineLog) {
    MetricsCollector collector = new MetricsCollector(UpFlow.ENGINE_SOURCE);
    if (!Files.isRegularFile(engineLog)) {
      return collector.metrics();
    }
    try (Stream<String> lines = Files.lines(engineLog, StandardCharsets.UTF_8)) {
      lines.forEach(
          l ->
              collector.accept(
                  new LogLine(
                      java.time.Instant.EPOCH, UpFlow.ENGINE_SOURCE, LogLine.Stream.STDOUT, l)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (UncheckedIOException e) {
      // a line that is not UTF-8: the metrics read so far stand
    }
    return collector.metrics();
  }
}
