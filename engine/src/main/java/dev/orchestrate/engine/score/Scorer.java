package dev.orchestrate.engine.score;

import dev.orchestrate.engine.generate.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Teacher forcing through any backend: prefill the first token, then feed the text's own tokens one
 * by one through the decode path, reading every position's logits.
 */
public final class Scorer {
  public static final int TOP = 20;

  private final Backend backend;

  public Scorer(Backend backend) {
    this.backend = backend;
  }

  public List<PositionScore> score(int[] ids) {
    float[] logits = new float[backend.vocabSize()];
    List<PositionScore> out = new ArrayList<>(ids.length);
    backend.prefill(ids, 1);
    for (int i = 0; i < ids.length; i++) {
      if (i > 0) {
        backend.decode(ids[i]);
      }
      backend.logits(logits);
      out.add(summarize(i, ids[i], logits));
    }
    return out;
  }

  /** The summary of one row of logits. */
  public static PositionScore summarize(int position, int token, float[] logits) {
    PriorityQueue<Integer> heap =
        new PriorityQueue<>(
            TOP + 1,
            (a, b) -> logits[a] != logits[b] ? Float.compare(logits[a], logits[b]) : b - a);
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < logits.length; v++) {
      max = Math.max(max, logits[v]);
      heap.add(v);
      if (heap.size() > TOP) {
        heap.poll();
      }
    }
    double sum = 0;
    for (float l : logits) {
      sum += Math.exp(l - max);
    }
    int k = heap.size();
    int[] ids = new int[k];
    float[] values = new float[k];
    for (int i = k - 1; i >= 0; i--) {
      ids[i] = heap.poll();
      values[i] = logits[ids[i]];
    }
    return new PositionScore(position, token, ids[0], ids, values, max + Math.log(sum));
  }
}
