package dev.orchestrate.engine.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.engine.EngineException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
  static final float[] LOGITS = {0.5f, 3.0f, 2.9f, -1f, 2.95f, 0f};

  @Test
  void greedyIsArgMaxFirstOnTies() {
    assertEquals(1, new Sampler(SamplingParams.greedy(), 6).sample(LOGITS));
    assertEquals(1, Sampler.argMax(new float[] {0f, 2f, 2f}));
  }

  @Test
  void topKOneIsGreedy() {
    Sampler s = new Sampler(new SamplingParams(5.0, 1.0, 1, 7), 6);
    for (int i = 0; i < 20; i++) {
      assertEquals(1, s.sample(LOGITS));
    }
  }

  @Test
  void topKLimitsTheCandidates() {
    Sampler s = new Sampler(new SamplingParams(100.0, 1.0, 3, 1), 6);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      seen.add(s.sample(LOGITS));
    }
    assertEquals(Set.of(1, 4, 2), seen);
  }

  @Test
  void topPKeepsTheSmallestNucleus() {
    // At temperature 1 tokens 1, 4 and 2 hold ~30% each; p = 0.5 keeps the first two.
    Sampler s = new Sampler(new SamplingParams(1.0, 0.5, 0, 3), 6);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      seen.add(s.sample(LOGITS));
    }
    assertEquals(Set.of(1, 4), seen);
  }

  @Test
  void samplingFollowsTheDistribution() {
    float[] logits = {0f, (float) Math.log(3)};
    Sampler s = new Sampler(new SamplingParams(1.0, 1.0, 0, 11), 2);
    int ones = 0;
    for (int i = 0; i < 4000; i++) {
      ones += s.sample(logits);
    }
    assertTrue(Math.abs(ones / 4000.0 - 0.75) < 0.03, "share of token 1: " + ones / 4000.0);
  }

  @Test
  void seedsDecide() {
    int[] a = draws(5);
    int[] b = draws(5);
    int[] c = draws(6);
    assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
    assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
  }

  private static int[] draws(long seed) {
    Sampler s = new Sampler(new SamplingParams(2.0, 1.0, 0, seed), 6);
    int[] out = new int[40];
    for (int i = 0; i < out.length; i++) {
      out[i] = s.sample(LOGITS);
    }
    return out;
  }

  @Test
  void topKPicksTheBestTokensOfALargeVocabulary() {
    float[] logits = new float[1000];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) Math.sin(i * 0.7); // many near-ties, best ones scattered
    }
    int[] best =
        java.util.stream.IntStream.range(0, 1000)
            .boxed()
            .sorted((a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b)
            .limit(5)
            .mapToInt(Integer::intValue)
            .toArray();
    Set<Integer> expected = new HashSet<>();
    for (int b : best) {
      expected.add(b);
    }
    Sampler s = new Sampler(new SamplingParams(50.0, 1.0, 5, 9), 1000);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 400; i++) {
      seen.add(s.sample(logits));
    }
    assertEquals(expected, seen);
  }

  @Test
  void invalidParametersAreRejected() {
    assertThrows(EngineException.class, () -> new SamplingParams(-1, 1, 0, 0));
    assertThrows(EngineException.class, () -> new SamplingParams(1, 0, 0, 0));
    assertThrows(EngineException.class, () -> new SamplingParams(1, 1.5, 0, 0));
    assertThrows(EngineException.class, () -> new SamplingParams(1, 1, -2, 0));
  }
}
