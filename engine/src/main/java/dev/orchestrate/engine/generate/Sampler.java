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
    int keep = candidates(logits);
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

  /**
   * Fills {@code order} with the candidate tokens, best first (ties: lower id first), and returns
   * how many there are: the k best under top-k, all tokens otherwise (sorted only when top-p needs
   * the order).
   */
  private int candidates(float[] logits) {
    int n = logits.length;
    int k = params.topK();
    if (k > 0 && k < n) {
      int size = 0;
      for (int i = 0; i < n; i++) {
        long packed = pack(logits[i], i);
        if (size < k) {
          siftUp(packed, size++);
        } else if (packed < order[0]) {
          siftDown(packed, k);
        }
      }
      Arrays.sort(order, 0, k);
      return k;
    }
    for (int i = 0; i < n; i++) {
      order[i] = pack(logits[i], i);
    }
    if (params.topP() < 1.0) {
      Arrays.sort(order, 0, n);
    } else {
      // No filter: any order samples the same distribution; put the best first for the max.
      int best = argMax(logits);
      long first = order[0];
      order[0] = order[best];
      order[best] = first;
    }
    return n;
  }

  /** Max-heap of the k smallest packed values in order[0..size). */
  private void siftUp(long value, int at) {
    int i = at;
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (order[parent] >= value) {
        break;
      }
      order[i] = order[parent];
      i = parent;
    }
    order[i] = value;
  }

  /** Replaces the heap's maximum by {@code value}. */
  private void siftDown(long value, int size) {
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && order[child + 1] > order[child]) {
        child++;
      }
      if (order[child] <= value) {
        break;
      }
      order[i] = order[child];
      i = child;
    }
    order[i] = value;
  }

  private static long pack(float logit, int index) {
    return ((long) descendingKey(logit) << 32) | index;
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
