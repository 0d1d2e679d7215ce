package dev.orchestrate.engine.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.snapshot.Snapshot;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * {@code engine generate --worker DIR}: one engine that loads the model once and works through
 * prompt files handed to it one after another (a fleet's chunks), so that a chunk costs no process
 * start and no model load. The folder:
 *
 * <ul>
 *   <li>{@code DIR/inbox/NAME.jsonl}: a prompt file to do, taken in name order; a name starting
 *       with a dot is a file still being written (the client writes {@code .NAME.tmp} and renames
 *       it), never taken;
 *   <li>{@code DIR/out/NAME.jsonl}: its results (what {@code --out} holds for one file);
 *   <li>{@code DIR/done/NAME.jsonl}: the prompt file once it is done (or refused);
 *   <li>{@code DIR/stop}: when it exists and the inbox is empty, the worker exits.
 * </ul>
 *
 * <p>Each file is generated batched as {@code --prompts} does, its {@code {"type":"result"}} lines
 * and metrics line on stdout, then one end marker {@code
 * {"type":"chunk-end","chunk":NAME,"ok":..}}; a file that cannot be run (not a prompt file, a
 * prompt too long) gets {@code "ok":false} with the error, and the worker goes on. Stdout also says
 * {@code {"type":"worker","event":"started"}} once, {@code "loaded"} for each load of the model and
 * {@code "exit"} with the reason ({@code stop}, or {@code idle} after {@code idleExit} without a
 * file, so that it never outlives its client).
 */
public final class ChunkWorker {
  /** Pauses between looks at the inbox (injected: tests do not wait on a wall clock). */
  @FunctionalInterface
  public interface Pause {
    void pause(Duration d) throws InterruptedException;
  }

  /** How often an empty inbox is looked at again. */
  public static final Duration POLL = Duration.ofMillis(50);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrintStream out;
  private final PrintStream err;
  private final BatchGeneration generation;
  private final LongSupplier nanoTime;
  private final Pause pause;

  public ChunkWorker(
      PrintStream out,
      PrintStream err,
      BatchGeneration generation,
      LongSupplier nanoTime,
      Pause pause) {
    this.out = out;
    this.err = err;
    this.generation = generation;
    this.nanoTime = nanoTime;
    this.pause = pause;
  }

  /**
   * Works through {@code dir}'s inbox until told to stop or idle for {@code idleExit}; returns the
   * number of prompt files done.
   */
  public int run(
      Path dir,
      Duration idleExit,
      Snapshot snapshot,
      BatchModel model,
      int batch,
      PromptEncoder.Defaults defaults,
      ChatRenderer chat) {
    Path inbox = dir.resolve("inbox");
    try {
      Files.createDirectories(inbox);
      Files.createDirectories(dir.resolve("out"));
      Files.createDirectories(dir.resolve("done"));
    } catch (IOException e) {
      throw new EngineException(
          "cannot create the worker folder " + dir + ": " + e.getMessage(),
          "give --worker a folder this user can write",
          e);
    }
    ObjectNode started = marker("worker").put("event", "started").put("dir", dir.toString());
    print(
        started.put("idle_exit_s", idleExit.toSeconds()).put("pid", ProcessHandle.current().pid()));
    int chunks = 0;
    long lastWork = nanoTime.getAsLong();
    while (true) {
      Optional<Path> next = next(inbox);
      if (next.isPresent()) {
        one(next.get(), dir, snapshot, model, batch, defaults, chat);
        chunks++;
        lastWork = nanoTime.getAsLong();
        continue;
      }
      String reason = null;
      if (Files.exists(dir.resolve("stop"))) {
        reason = "stop";
      } else if (nanoTime.getAsLong() - lastWork >= idleExit.toNanos()) {
        reason = "idle";
        err.println(
            "worker: no prompt file for " + idleExit.toSeconds() + " s; exiting (--idle-exit)");
      }
      if (reason != null) {
        print(marker("worker").put("event", "exit").put("reason", reason).put("chunks", chunks));
        return chunks;
      }
      try {
        pause.pause(POLL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EngineException("the worker was interrupted", "", e);
      }
    }
  }

  /** The marker line of one load of the model (for {@link BatchModel#kept}). */
  public void loaded(BatchModel.Load load) {
    print(
        marker("worker")
            .put("event", "loaded")
            .put("capacity", load.capacity())
            .put("slots", load.slots())
            .put("load_ms", load.millis())
            .put("loads", load.count()));
  }

  private void one(
      Path file,
      Path dir,
      Snapshot snapshot,
      BatchModel model,
      int batch,
      PromptEncoder.Defaults defaults,
      ChatRenderer chat) {
    String name = file.getFileName().toString().replaceFirst("\\.jsonl$", "");
    ObjectNode end = marker("chunk-end").put("chunk", name);
    try {
      BatchMetrics m =
          generation.run(
              new BatchGeneration.Request(
                  file, dir.resolve("out").resolve(name + ".jsonl"), batch, defaults),
              snapshot,
              model,
              chat);
      end.put("ok", true).put("prompts", m.prompts()).put("skipped", m.skipped());
    } catch (EngineException e) {
      err.println("error: " + name + ": " + e.getMessage());
      end.put("ok", false).put("error", e.getMessage()).put("hint", e.hint());
    }
    try {
      Files.move(
          file,
          dir.resolve("done").resolve(file.getFileName()),
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move " + file + " to done/", e);
    }
    print(end);
  }

  // The first prompt file of the inbox by name; dot files are still being written.
  private static Optional<Path> next(Path inbox) {
    try (Stream<Path> files = Files.list(inbox)) {
      return files
          .filter(f -> !f.getFileName().toString().startsWith("."))
          .filter(f -> f.getFileName().toString().endsWith(".jsonl"))
          .filter(Files::isRegularFile)
          .min(Path::compareTo);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + inbox, e);
    }
  }

  private static ObjectNode marker(String type) {
    return JSON.createObjectNode().put("type", type);
  }

  private void print(ObjectNode n) {
    out.println(n.toString());
    out.flush();
  }
}
