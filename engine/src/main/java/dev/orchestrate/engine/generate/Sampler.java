package dev.orchestrate.engine.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedy, or temperature / top-k / top-p sampling drawn from a
 * seeded generator (same seed, same logits, same tokens). Its work arrays are allocated once.
 */
public final class Sampler {
  private final SamplingParams params;
  private final SplittableRandom random;
  private final long[] order;
  private final double[] weights;

  public Sampler(SamplingParams params, int vocabSize) {
    this.params = params;
    this.random = new SplittableRandom(params.seed());
    this.order = new long[vocabSize];
    this.weights = new double[vocabSize];
  }

  public boolean isGreedy() {
    return params.isGreedy();
  }

  public int sample(float[] logits) {
    if (params.isGreedy()) {
      return argMax(logits);
    }
    int n = logits.length;
    for (int i = 0; i < n; i++) {
      order[i] = ((long) descendingKey(logits[i]) << 32) | i;
    }
    Arrays.sort(order, 0, n);
    int keep = params.topK() > 0 ? Math.min(params.topK(), n) : n;
    double inverseTemperature = 1.0 / params.temperature();
    float max = logits[index(order[0])];
    double sum = 0;
    for (int i = 0; i < keep; i++) {
      double w = Math.exp((logits[index(order[i])] - max) * inverseTemperature);
      weights[i] = w;
      sum += w;
    }
    if (params.topP() < 1.0) {
      double cumulative = 0;
      double target = params.topP() * sum;
      int cut = keep;
      for (int i = 0; i < keep; i++) {
        cumulative += weights[i];
        if (cumulative >= target) {
          cut = i + 1;
          break;
        }
      }
      keep = cut;
      sum = 0;
      for (int i = 0; i < keep; i++) {
        sum += weights[i];
      }
    }
    double r = random.nextDouble() * sum;
    for (int i = 0; i < keep; i++) {
      r -= weights[i];
      if (r < 0) {
        return index(order[i]);
      }
    }
    return index(order[keep - 1]);
  }

  public static int argMax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }

  private static int index(long packed) {
    return (int) (packed & 0xFFFFFFFFL);
  }

  /** An int that sorts ascending as the float sorts descending (NaN last). */
  private static int descendingKey(float f) {
    int bits = Float.floatToIntBits(f);
    int ascending = bits < 0 ? ~bits : bits | Integer.MIN_VALUE;
    return ~ascending ^ Integer.MIN_VALUE;
  }
}
