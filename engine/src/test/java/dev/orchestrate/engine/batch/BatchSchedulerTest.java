package dev.orchestrate.engine.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.engine.generate.ByteTokenizer;
import dev.orchestrate.engine.generate.SamplingParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BatchSchedulerTest {
  static final int EOS = 300;
  static final int VOCAB = 301;

  /** Each byte is followed by the next one of "abcdefghij" cyclically; 'z' by eos. */
  static int[] alphabet() {
    int[] next = new int[VOCAB];
    for (int i = 0; i < VOCAB; i++) {
      next[i] = 'a';
    }
    for (char c = 'a'; c < 'j'; c++) {
      next[c] = c + 1;
    }
    next['j'] = 'a';
    next['z'] = EOS;
    return next;
  }

  static BatchJob job(String id, String prompt, int max, List<String> stop) {
    return new BatchJob(
        id, new ByteTokenizer().encode(prompt), max, SamplingParams.greedy(), stop, Set.of(EOS));
  }

  static Map<String, ResultRecord> run(ScriptedBatch backend, int batch, List<BatchJob> jobs) {
    Map<String, ResultRecord> out = new LinkedHashMap<>();
    AtomicLong clock = new AtomicLong();
    new BatchScheduler(backend, new ByteTokenizer(), batch, () -> clock.addAndGet(1_000_000))
        .run(jobs, r -> out.put(r.id(), r));
    return out;
  }

  @Test
  void admitsNewPromptsAsOthersFinishUpToTheBatch() {
    List<BatchJob> jobs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      jobs.add(job("p" + i, "x" + (char) ('a' + i % 10), 2 + i, List.of()));
    }
    ScriptedBatch backend = new ScriptedBatch(VOCAB, alphabet(), 8, 64);
    Map<String, ResultRecord> results = run(backend, 3, jobs);
    assertEquals(10, results.size());
    assertEquals(3, backend.peak, "never more than --batch in flight");
    assertEquals(10, backend.prefills);
    // p0 (2 tokens) finishes first and p3 takes its slot while p1, p2 still run: fewer steps
    // than running the prompts one after another (sum of (max - 1)).
    int sequential = 0;
    for (int i = 0; i < 10; i++) {
      sequential += 1 + i;
    }
    assertTrue(backend.steps < sequential / 2, backend.steps + " steps");
    assertEquals("p0", results.keySet().iterator().next(), "results in the order they finish");
    ResultRecord p4 = results.get("p4");
    assertEquals("fghija", p4.completion(), "6 tokens after \"xe\"");
    assertEquals("length", p4.finishReason());
    assertEquals(2, p4.promptTokens());
    assertTrue(p4.timings().queueMs() > 0, "p4 waited for a slot");
  }

  @Test
  void eachPromptInABatchGetsItsBatchOfOneOutput() {
    List<BatchJob> jobs = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      jobs.add(
          job(
              "p" + i,
              "q" + (char) ('a' + i % 10) + (i % 3 == 0 ? "z" : ""),
              3 + i % 5,
              List.of()));
    }
    Map<String, ResultRecord> batched = run(new ScriptedBatch(VOCAB, alphabet(), 16, 64), 16, jobs);
    Map<String, ResultRecord> single = run(new ScriptedBatch(VOCAB, alphabet(), 1, 64), 1, jobs);
    for (BatchJob j : jobs) {
      assertArrayEquals(single.get(j.id()).tokens(), batched.get(j.id()).tokens(), j.id());
      assertEquals(single.get(j.id()).completion(), batched.get(j.id()).completion(), j.id());
    }
    ResultRecord eos = batched.get("p0");
    assertEquals("eos", eos.finishReason());
    assertArrayEquals(new int[] {EOS}, eos.tokens());
    assertEquals("", eos.completion());
  }

  @Test
  void longPromptsComeInChunksBetweenDecodeStepsWithTheSameOutput() {
    List<BatchJob> jobs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      jobs.add(job("p" + i, "x".repeat(1 + 7 * i) + (char) ('a' + i), 4 + i, List.of()));
    }
    ScriptedBatch chunked = new ScriptedBatch(VOCAB, alphabet(), 3, 64, 5);
    Map<String, ResultRecord> got = run(chunked, 3, jobs);
    Map<String, ResultRecord> whole = run(new ScriptedBatch(VOCAB, alphabet(), 1, 64), 1, jobs);
    for (BatchJob j : jobs) {
      assertArrayEquals(whole.get(j.id()).tokens(), got.get(j.id()).tokens(), j.id());
    }
    assertTrue(chunked.prefillCalls > jobs.size(), chunked.prefillCalls + " prefill calls");
  }

  @Test
  void aStopStringSpanningTokensEndsTheSequenceAndIsCutFromTheText() {
    // prompt "xa" generates b, c, d, e, ...: "cde" spans three tokens.
    ResultRecord r =
        run(
                new ScriptedBatch(VOCAB, alphabet(), 4, 64),
                4,
                List.of(job("s", "xa", 20, List.of("zz", "cde"))))
            .get("s");
    assertEquals("stop", r.finishReason());
    assertEquals("b", r.completion());
    assertArrayEquals(
        new int[] {'b', 'c', 'd', 'e'}, r.tokens(), "generation stopped at the match");
  }

  @Test
  void aStopStringInsideAMultiByteCharacterIsFoundOnceTheCharacterIsWhole() {
    int[] next = new int[VOCAB];
    java.util.Arrays.fill(next, '.');
    next['a'] = 'h';
    next['h'] = 0xC3; // é is C3 A9: two tokens
    next[0xC3] = 0xA9;
    next[0xA9] = '!';
    ResultRecord r =
        run(new ScriptedBatch(VOCAB, next, 2, 64), 2, List.of(job("m", "a", 20, List.of("é!"))))
            .get("m");
    assertEquals("stop", r.finishReason());
    assertEquals("h", r.completion());
    assertEquals(4, r.tokens().length);
  }

  @Test
  void theContextLimitEndsASequenceAsLength() {
    ResultRecord r =
        run(
                new ScriptedBatch(VOCAB, alphabet(), 2, 6),
                2,
                List.of(job("c", "xxxa", 100, List.of())))
            .get("c");
    assertEquals("length", r.finishReason());
    assertEquals(2, r.tokens().length, "6 positions - 4 prompt tokens");
  }

  @Test
  void sampledSequencesKeepTheirOwnSeedWhateverRunsBesideThem() {
    BatchJob sampled =
        new BatchJob(
            "s", new int[] {'a'}, 30, new SamplingParams(1.5, 0.95, 0, 7), List.of(), Set.of());
    List<BatchJob> crowd = new ArrayList<>(List.of(sampled));
    for (int i = 0; i < 6; i++) {
      crowd.add(
          new BatchJob(
              "o" + i,
              new int[] {'b'},
              5 + i,
              new SamplingParams(1.0, 1.0, 0, i),
              List.of(),
              Set.of()));
    }
    int[] alone =
        run(new ScriptedBatch(VOCAB, alphabet(), 1, 64), 1, List.of(sampled)).get("s").tokens();
    int[] together = run(new ScriptedBatch(VOCAB, alphabet(), 8, 64), 8, crowd).get("s").tokens();
    assertArrayEquals(alone, together);
    BatchJob otherSeed =
        new BatchJob(
            "s", new int[] {'a'}, 30, new SamplingParams(1.5, 0.95, 0, 8), List.of(), Set.of());
    int[] reseeded =
        run(new ScriptedBatch(VOCAB, alphabet(), 1, 64), 1, List.of(otherSeed)).get("s").tokens();
    assertFalse(java.util.Arrays.equals(alone, reseeded), "another seed, other tokens");
  }
}
