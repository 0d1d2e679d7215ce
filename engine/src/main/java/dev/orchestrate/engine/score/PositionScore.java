package dev.orchestrate.engine.score;

/**
 * Teacher-forced result at one position: the input token there, the arg-max of the logits that
 * predict the next token, the 20 largest logits with their ids (descending), and the log-sum-exp of
 * the whole row.
 */
public record PositionScore(
    int position, int token, int argMax, int[] topIds, float[] topValues, double logSumExp) {
  public PositionScore {
    topIds = topIds.clone();
    topValues = topValues.clone();
  }

  @Override
  public int[] topIds() {
    return topIds.clone();
  }

  @Override
  public float[] topValues() {
    return topValues.clone();
  }
}
