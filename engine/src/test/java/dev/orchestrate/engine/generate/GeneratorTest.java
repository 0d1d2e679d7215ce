package dev.orchestrate.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.EngineException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  static final int EOS = 300;

  /** "é" is C3 A9, "你" is E4 BD A0: a chain of bytes, then EOS. */
  static int[] chain() {
    int[] next = new int[301];
    java.util.Arrays.fill(next, EOS);
    next['a'] = 0xC3;
    next[0xC3] = 0xA9;
    next[0xA9] = 0xE4;
    next[0xE4] = 0xBD;
    next[0xBD] = 0xA0;
    next[0xA0] = '!';
    return next;
  }

  /** A clock that advances 10 ms per reading. */
  static AtomicLong ticking() {
    return new AtomicLong();
  }

  @Test
  void streamsWholeCharactersStopsOnEosAndReports() throws Exception {
    ScriptedBackend backend = new ScriptedBackend(301, chain());
    AtomicLong clock = ticking();
    Generator g =
        new Generator(backend, new ByteTokenizer(), "abc", () -> clock.addAndGet(10_000_000));
    List<String> pieces = new ArrayList<>();
    GenerationResult r =
        g.generate(
            new GenerationRequest(new int[] {'x', 'a'}, 50, SamplingParams.greedy(), Set.of(EOS)),
            pieces::add);
    assertEquals(List.of("é", "你", "!"), pieces);
    assertArrayEquals(new int[] {0xC3, 0xA9, 0xE4, 0xBD, 0xA0, '!', EOS}, r.tokens());
    assertEquals(1, backend.prefills);
    assertEquals(6, backend.decodes);
    GenerationMetrics m = r.metrics();
    assertEquals("eos", m.stopReason());
    assertEquals(2, m.promptTokens());
    assertEquals(7, m.newTokens());
    assertEquals(10.0, m.timeToFirstTokenMs(), 1e-9);
    assertEquals(6 / 0.01, m.decodeTokensPerSecond(), 1e-6);
    JsonNode json = new ObjectMapper().readTree(m.toJsonLine());
    assertEquals("metrics", json.get("type").asText());
    assertEquals(7, json.get("new_tokens").asInt());
    assertEquals("scripted", json.get("backend").asText());
    assertEquals("abc", json.get("snapshot_hash").asText());
    assertTrue(json.has("ttft_ms") && json.has("decode_tok_s") && json.has("total_ms"));
    assertTrue(json.has("device") && json.has("dtype") && json.has("prompt_tokens"));
  }

  @Test
  void stopsAtMaxNewTokensAndFlushesHeldBytes() {
    ScriptedBackend backend = new ScriptedBackend(301, chain());
    Generator g = new Generator(backend, new ByteTokenizer(), "h", System::nanoTime);
    StringBuilder out = new StringBuilder();
    GenerationResult r =
        g.generate(
            new GenerationRequest(new int[] {'a'}, 4, SamplingParams.greedy(), Set.of(EOS)),
            out::append);
    assertEquals(4, r.tokens().length);
    assertEquals("max_tokens", r.metrics().stopReason());
    // é, then E4 BD held back as an incomplete character, flushed at the end.
    assertEquals(
        "é" + new String(new byte[] {(byte) 0xE4, (byte) 0xBD}, StandardCharsets.UTF_8),
        out.toString());
    assertEquals(3, backend.decodes);
  }

  @Test
  void aFullContextEndsTheGenerationAndSaysSo() {
    Generator g =
        new Generator(
            new ScriptedBackend(301, chain()), new ByteTokenizer(), "h", System::nanoTime);
    GenerationResult r =
        g.generate(
            new GenerationRequest(new int[98], 5, SamplingParams.greedy(), Set.of()), s -> {});
    assertEquals(2, r.tokens().length);
    assertEquals("context_full", r.metrics().stopReason());
  }

  @Test
  void promptLongerThanTheCacheIsRefused() {
    Generator g =
        new Generator(
            new ScriptedBackend(301, chain()), new ByteTokenizer(), "h", System::nanoTime);
    assertThrows(
        EngineException.class,
        () ->
            g.generate(
                new GenerationRequest(new int[100], 4, SamplingParams.greedy(), Set.of(EOS)),
                s -> {}));
  }

  @Test
  void sampledGenerationIsReproducibleBySeed() {
    int[] next = new int[301];
    for (int i = 0; i < next.length; i++) {
      next[i] = (i * 7 + 3) % 256;
    }
    int[] a = sampled(next, 42);
    int[] b = sampled(next, 42);
    assertArrayEquals(a, b);
  }

  private static int[] sampled(int[] next, long seed) {
    Generator g =
        new Generator(new ScriptedBackend(301, next), new ByteTokenizer(), "h", System::nanoTime);
    return g.generate(
            new GenerationRequest(
                new int[] {'a'}, 20, new SamplingParams(1.0, 0.9, 50, seed), Set.of()),
            s -> {})
        .tokens();
  }
}
