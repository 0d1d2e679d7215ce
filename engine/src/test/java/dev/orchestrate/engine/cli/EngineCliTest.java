package dev.orchestrate.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.snapshot.DType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineCliTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        EngineCli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void generateStreamsThenPrintsMetrics() throws Exception {
    String snap = TinySnapshots.tiny(1, DType.BF16).toString();
    Run r =
        run(
            "generate",
            "--snapshot",
            snap,
            "--backend",
            "reference",
            "--prompt",
            "The capital of France is",
            "--max-new-tokens",
            "6");
    assertEquals(0, r.code(), r.err());
    JsonNode m = new ObjectMapper().readTree(r.lastLine());
    assertEquals("metrics", m.get("type").asText());
    assertEquals(5, m.get("prompt_tokens").asInt());
    assertEquals(6, m.get("new_tokens").asInt());
    assertEquals("reference", m.get("backend").asText());
    assertEquals("cpu", m.get("device").asText());
    assertEquals("float32", m.get("dtype").asText());
    assertEquals("3c2a03b6296747f3", m.get("snapshot_hash").asText());
    assertTrue(r.out().length() > r.lastLine().length() + 1, "some text before the metrics");
  }

  @Test
  void sampledGenerationIsReproducible() {
    String snap = TinySnapshots.tiny(1, DType.BF16).toString();
    String[] args = {
      "generate",
      "--snapshot",
      snap,
      "--prompt",
      "Once upon a time",
      "--max-new-tokens",
      "8",
      "--temperature",
      "0.8",
      "--top-p",
      "0.9",
      "--top-k",
      "40",
      "--seed",
      "5"
    };
    Run a = run(args);
    Run b = run(args);
    assertEquals(0, a.code(), a.err());
    String textA = a.out().substring(0, a.out().lastIndexOf('{'));
    String textB = b.out().substring(0, b.out().lastIndexOf('{'));
    assertEquals(textA, textB);
  }

  @Test
  void scoreJsonHasEveryPosition() throws Exception {
    String snap = TinySnapshots.tiny(1, DType.BF16).toString();
    Run r = run("score", "--snapshot", snap, "--text", "Hello world, hello", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode root = new ObjectMapper().readTree(r.out());
    JsonNode positions = root.get("positions");
    assertEquals(4, positions.size());
    JsonNode p = positions.get(1);
    assertEquals(20, p.get("top_values").size());
    assertEquals(20, p.get("top_ids").size());
    assertEquals(p.get("argmax").asInt(), p.get("top_ids").get(0).asInt());
    assertTrue(p.get("logsumexp").asDouble() > p.get("top_values").get(0).asDouble());
  }

  @Test
  void snapshotCreateWritesALoadableSnapshot() {
    Path out = dir.resolve("tiny");
    Run r =
        run(
            "snapshot",
            "create",
            "--config",
            "tiny",
            "--seed",
            "1",
            "--dtype",
            "bf16",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("3c2a03b6296747f3"), r.out());
    assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
  }

  @Test
  void missingSnapshotIsAClearError() {
    Run r = run("generate", "--snapshot", dir.resolve("none").toString(), "--prompt", "x");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("error: snapshot directory"), r.err());
    assertTrue(r.err().contains("hint: create one with"), r.err());
  }

  @Test
  void unknownBackendNamesTheAvailableOnes() {
    String snap = TinySnapshots.tiny(1, DType.BF16).toString();
    Run r = run("generate", "--snapshot", snap, "--prompt", "x", "--backend", "nosuch");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("backend 'nosuch' is not available"), r.err());
    assertTrue(r.err().contains("available: reference"), r.err());
  }

  @Test
  void unknownPresetIsRejected() {
    Run r = run("snapshot", "create", "--config", "huge", "--out", dir.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("unknown config 'huge'"), r.err());
  }
}
