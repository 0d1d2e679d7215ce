package dev.orchestrate.engine.generate;

/** The generated ids (stop token included) and the metrics. */
public record GenerationResult(int[] tokens, GenerationMetrics metrics) {
  public GenerationResult {
    tokens = tokens.clone();
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }
}
