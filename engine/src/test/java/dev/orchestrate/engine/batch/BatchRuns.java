package dev.orchestrate.engine.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.BackendProvider;
import dev.orchestrate.engine.generate.GenerationRequest;
import dev.orchestrate.engine.generate.Generator;
import dev.orchestrate.engine.generate.SamplingParams;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.engine.tokenizer.HfTokenizer;
import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Batch runs on a real snapshot and backend, and the batch-1 path to compare them with. */
public final class BatchRuns {
  private BatchRuns() {}

  /** What one run printed and returned. */
  public record Run(BatchMetrics metrics, String out, String err) {}

  public static final List<String> PROMPTS =
      List.of(
          "The capital of France is",
          "Once upon a time",
          "1, 2, 3,",
          "A long prompt: " + "the quick brown fox jumps over the lazy dog. ".repeat(12),
          "Hi",
          "Why is the sky blue?",
          "def main():",
          "Olmo");

  /** A prompt file of {@link #PROMPTS}, greedy, with max_new_tokens 3 + 2 * index. */
  public static Path promptFile(Path dir) {
    List<String> lines = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < PROMPTS.size(); i++) {
      lines.add(
          json.createObjectNode()
              .put("id", "p" + i)
              .put("prompt", PROMPTS.get(i))
              .put("max_new_tokens", 3 + 2 * i)
              .toString());
    }
    Path f = dir.resolve("prompts.jsonl");
    try {
      Files.writeString(f, String.join("\n", lines) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return f;
  }

  public static Run run(
      Path prompts, Path results, int batch, Snapshot snapshot, BackendProvider provider) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    BatchMetrics m =
        new BatchGeneration(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                false,
                System::nanoTime)
            .run(
                new BatchGeneration.Request(
                    prompts,
                    results,
                    batch,
                    new PromptEncoder.Defaults(8, SamplingParams.greedy())),
                snapshot,
                provider,
                null);
    return new Run(m, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The results file's lines by id, in the file's order. */
  public static Map<String, JsonNode> results(Path file) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    try {
      ObjectMapper json = new ObjectMapper();
      for (String line : Files.readAllLines(file)) {
        JsonNode n = json.readTree(line);
        out.put(n.get("id").asText(), n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * The faithfulness check: every prompt's greedy tokens from a batched run equal its tokens from
   * the batch-1 {@link Generator} on the same backend.
   */
  public static void assertBatchedEqualsBatchOne(
      Path dir, int batch, Snapshot snapshot, BackendProvider provider) {
    Path results = dir.resolve("batched.jsonl");
    Run run = run(promptFile(dir), results, batch, snapshot, provider);
    assertEquals(PROMPTS.size(), run.metrics().prompts(), run.err());
    Map<String, JsonNode> got = results(results);
    assertEquals(
        PROMPTS.stream().map(p -> "p" + PROMPTS.indexOf(p)).toList(),
        new ArrayList<>(got.keySet()),
        "the final file is in the prompt file's order");
    try (TextTokenizer tokenizer = HfTokenizer.load(snapshot.tokenizerJson());
        Backend one = provider.open(snapshot, snapshot.config().maxPositions())) {
      Generator generator = new Generator(one, tokenizer, "h", System::nanoTime);
      for (int i = 0; i < PROMPTS.size(); i++) {
        int[] alone =
            generator
                .generate(
                    new GenerationRequest(
                        tokenizer.encode(PROMPTS.get(i)),
                        3 + 2 * i,
                        SamplingParams.greedy(),
                        new HashSet<>(snapshot.generation().eosTokenIds())),
                    s -> {})
                .tokens();
        JsonNode r = got.get("p" + i);
        int[] batched = new int[r.get("tokens").size()];
        for (int t = 0; t < batched.length; t++) {
          batched[t] = r.get("tokens").get(t).asInt();
        }
        assertArrayEquals(alone, batched, "p" + i + " batched vs alone");
        assertEquals(tokenizer.decode(alone), r.get("completion").asText(), "p" + i);
        assertEquals(batched.length, r.get("completion_tokens").asInt());
      }
    }
  }
}
