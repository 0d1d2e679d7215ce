package dev.orchestrate.engine.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.BackendProvider;
import dev.orchestrate.engine.generate.BatchBackend;
import dev.orchestrate.engine.generate.SamplingParams;
import dev.orchestrate.engine.reference.ReferenceBackendProvider;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.Snapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate --worker DIR}: the reference backend on the tiny snapshot, a real folder. */
class ChunkWorkerTest {
  static final Snapshot SNAPSHOT = Snapshot.open(TinySnapshots.tiny(1, DType.BF16));
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** The reference provider, counting how often a backend is opened (a model load). */
  static final class Counting implements BackendProvider {
    final BackendProvider real = new ReferenceBackendProvider();
    final AtomicInteger opened = new AtomicInteger();

    @Override
    public String name() {
      return real.name();
    }

    @Override
    public Backend open(Snapshot snapshot, int capacity) {
      return real.open(snapshot, capacity);
    }

    @Override
    public BatchBackend openBatch(Snapshot snapshot, int capacity, int slots) {
      opened.incrementAndGet();
      return real.openBatch(snapshot, capacity, slots);
    }
  }

  record Worked(List<JsonNode> out, String err, int chunks) {}

  /** Runs the worker on {@code dir}; {@code atPause} acts for the client between its looks. */
  Worked work(Counting provider, Duration idle, AtomicLong clock, Runnable atPause) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    ChunkWorker worker =
        new ChunkWorker(
            o,
            e,
            new BatchGeneration(o, e, false, clock::get),
            clock::get,
            d -> {
              clock.addAndGet(d.toNanos());
              atPause.run();
            });
    int chunks;
    try (BatchModel model = BatchModel.kept(SNAPSHOT, provider, 4, worker::loaded)) {
      chunks =
          worker.run(
              dir,
              idle,
              SNAPSHOT,
              model,
              4,
              new PromptEncoder.Defaults(8, SamplingParams.greedy()),
              null);
    }
    List<JsonNode> lines = new ArrayList<>();
    for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (l.startsWith("{")) {
        lines.add(read(l));
      }
    }
    return new Worked(lines, err.toString(StandardCharsets.UTF_8), chunks);
  }

  @Test
  void chunksHandedInOneAfterAnotherShareOneLoadOfTheModelAndEndInMarkers() throws IOException {
    Path inbox = Files.createDirectories(dir.resolve("inbox"));
    List<String> all = Files.readAllLines(BatchRuns.promptFile(dir));
    List<List<String>> chunks = List.of(all.subList(0, 3), all.subList(3, 5), all.subList(5, 8));
    AtomicInteger handed = new AtomicInteger();
    Counting provider = new Counting();
    // The client: the next chunk (tmp name, then renamed) each time the worker waits; then stop.
    Worked w =
        work(
            provider,
            Duration.ofHours(1),
            new AtomicLong(),
            () -> {
              int k = handed.getAndIncrement();
              try {
                if (k < chunks.size()) {
                  Path tmp = inbox.resolve(".c" + k + ".tmp");
                  Files.writeString(tmp, String.join("\n", chunks.get(k)) + "\n");
                  Files.move(tmp, inbox.resolve("c" + k + ".jsonl"));
                } else {
                  Files.writeString(dir.resolve("stop"), "");
                }
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });

    assertEquals(3, w.chunks());
    assertEquals(1, provider.opened.get(), "the model is loaded once for the three chunks");
    assertEquals(1, count(w, "worker", "started"));
    assertEquals(1, count(w, "worker", "loaded"));
    List<String> ends = new ArrayList<>();
    List<String> resultIds = new ArrayList<>();
    for (JsonNode n : w.out()) {
      switch (n.get("type").asText()) {
        case "result" -> resultIds.add(n.get("id").asText());
        case "chunk-end" -> {
          assertTrue(n.get("ok").asBoolean(), n.toString());
          ends.add(n.get("chunk").asText() + ":" + n.get("prompts").asInt());
          assertEquals(
              chunks.get(ends.size() - 1).size(),
              resultIds.size(),
              "every result of a chunk comes before its end marker");
          resultIds.clear();
        }
        default -> {}
      }
    }
    assertEquals(List.of("c0:3", "c1:2", "c2:3"), ends);
    JsonNode last = w.out().get(w.out().size() - 1);
    assertEquals("exit", last.get("event").asText());
    assertEquals("stop", last.get("reason").asText());

    // The same tokens as one batched run of the whole file; the chunk files moved to done/.
    BatchRuns.Run oneShot =
        BatchRuns.run(
            BatchRuns.promptFile(dir), dir.resolve("whole.jsonl"), 4, SNAPSHOT, provider.real);
    Map<String, JsonNode> whole = BatchRuns.results(dir.resolve("whole.jsonl"));
    for (int k = 0; k < chunks.size(); k++) {
      Map<String, JsonNode> part = BatchRuns.results(dir.resolve("out/c" + k + ".jsonl"));
      part.forEach((id, r) -> assertEquals(whole.get(id).get("tokens"), r.get("tokens"), id));
      assertTrue(Files.isRegularFile(dir.resolve("done/c" + k + ".jsonl")));
    }
    assertEquals(8, oneShot.metrics().prompts());
    try (var left = Files.list(inbox)) {
      assertEquals(0, left.count(), "nothing left in the inbox");
    }
  }

  @Test
  void aFileThatIsNotAPromptFileIsReportedInItsMarkerAndTheWorkerGoesOn() throws IOException {
    Path inbox = Files.createDirectories(dir.resolve("inbox"));
    Files.writeString(inbox.resolve("a-bad.jsonl"), "{\"id\": \"x\"\nnot json\n");
    List<String> all = Files.readAllLines(BatchRuns.promptFile(dir));
    Files.writeString(inbox.resolve("b-good.jsonl"), all.get(0) + "\n" + all.get(1) + "\n");
    Files.writeString(inbox.resolve(".c-partial.tmp"), all.get(2) + "\n");
    Files.writeString(dir.resolve("stop"), "");
    Counting provider = new Counting();

    Worked w = work(provider, Duration.ofHours(1), new AtomicLong(), () -> {});

    List<JsonNode> ends =
        w.out().stream().filter(n -> n.get("type").asText().equals("chunk-end")).toList();
    assertEquals(2, ends.size(), w.out().toString());
    assertEquals("a-bad", ends.get(0).get("chunk").asText());
    assertFalse(ends.get(0).get("ok").asBoolean());
    assertTrue(ends.get(0).get("error").asText().contains("a-bad.jsonl"), ends.get(0).toString());
    assertTrue(w.err().contains("error: a-bad:"), w.err());
    assertEquals("b-good", ends.get(1).get("chunk").asText());
    assertTrue(ends.get(1).get("ok").asBoolean());
    assertEquals(2, ends.get(1).get("prompts").asInt());
    assertTrue(
        Files.isRegularFile(inbox.resolve(".c-partial.tmp")), "a file being written is not taken");
    assertEquals(1, provider.opened.get());
  }

  @Test
  void anIdleWorkerExitsAfterItsIdleTimeWithoutLoadingTheModel() {
    AtomicLong clock = new AtomicLong();
    Counting provider = new Counting();

    Worked w = work(provider, Duration.ofSeconds(30), clock, () -> {});

    assertEquals(0, w.chunks());
    assertEquals(0, provider.opened.get(), "no prompt file: no model load");
    JsonNode last = w.out().get(w.out().size() - 1);
    assertEquals("idle", last.get("reason").asText());
    assertEquals(Duration.ofSeconds(30).toNanos(), clock.get(), "exits once 30 s have passed");
    assertTrue(w.err().contains("no prompt file for 30 s"), w.err());
  }

  private static long count(Worked w, String type, String event) {
    return w.out().stream()
        .filter(n -> n.get("type").asText().equals(type))
        .filter(n -> n.path("event").asText().equals(event))
        .count();
  }

  private static JsonNode read(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
