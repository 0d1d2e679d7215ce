package dev.orchestrate.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.reference.ReferenceBackendProvider;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.engine.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `engine generate` stops at any id of generation_config.json's eos_token_id list. */
class GenerateStopIdsTest {
  static final String PROMPT = "The capital of France is";

  @TempDir Path dir;

  @Test
  void generationStopsAtAnyIdOfTheEosList() throws Exception {
    Path base = TinySnapshots.tiny(1, DType.BF16);
    int[] greedy = greedyTokens(base, 8);
    // The first token that has not appeared before it: the run must stop right there.
    int at = 1;
    while (at < greedy.length && contains(greedy, at, greedy[at])) {
      at++;
    }
    assertTrue(at < greedy.length, "the greedy continuation repeats one token");
    Path snap = linkedCopy(base);
    Files.writeString(
        snap.resolve("generation_config.json"),
        "{\"eos_token_id\": [100257, " + greedy[at] + "], \"pad_token_id\": 100277}");

    EngineCliTest.Run r =
        EngineCliTest.run(
            "generate", "--snapshot", snap.toString(), "--prompt", PROMPT, "--max-new-tokens", "8");
    assertEquals(0, r.code(), r.err());
    JsonNode m = new ObjectMapper().readTree(r.lastLine());
    assertEquals("eos", m.get("stop_reason").asText());
    assertEquals(at + 1, m.get("new_tokens").asInt());

    // With only the first id of the list the same prompt runs to the token limit.
    Files.writeString(snap.resolve("generation_config.json"), "{\"eos_token_id\": 100257}");
    EngineCliTest.Run plain =
        EngineCliTest.run(
            "generate", "--snapshot", snap.toString(), "--prompt", PROMPT, "--max-new-tokens", "8");
    JsonNode pm = new ObjectMapper().readTree(plain.lastLine());
    assertEquals("max_tokens", pm.get("stop_reason").asText());
    assertEquals(8, pm.get("new_tokens").asInt());
  }

  private static boolean contains(int[] ids, int before, int id) {
    for (int i = 0; i < before; i++) {
      if (ids[i] == id) {
        return true;
      }
    }
    return false;
  }

  private static int[] greedyTokens(Path dir, int n) {
    Snapshot s = Snapshot.open(dir);
    int[] prompt;
    try (HfTokenizer t = HfTokenizer.load(s.tokenizerJson())) {
      prompt = t.encode(PROMPT);
    }
    int[] out = new int[n];
    try (Backend b = new ReferenceBackendProvider().open(s, prompt.length + n)) {
      out[0] = b.prefill(prompt, prompt.length);
      for (int i = 1; i < n; i++) {
        out[i] = b.decode(out[i - 1]);
      }
    }
    for (int id : out) {
      assertTrue(id != 100257, "the tiny model emits <|endoftext|> itself");
    }
    return out;
  }

  /** The snapshot's files hard-linked into a directory of this test's own. */
  private Path linkedCopy(Path from) throws IOException {
    Path to = dir.resolve("snap");
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.createLink(to.resolve(f.getFileName()), f);
      }
    }
    Files.delete(to.resolve("generation_config.json"));
    return to;
  }
}
