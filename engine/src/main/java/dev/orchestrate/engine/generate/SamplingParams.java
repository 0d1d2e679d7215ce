package dev.orchestrate.engine.generate;

import dev.orchestrate.engine.EngineException;

/**
 * How the next token is chosen. Temperature 0 means greedy; otherwise top-k (0 = off), then top-p
 * (1 = off) filter the distribution and a token is drawn with the seeded generator.
 */
public record SamplingParams(double temperature, double topP, int topK, long seed) {
  public SamplingParams {
    if (temperature < 0 || Double.isNaN(temperature)) {
      throw new EngineException("temperature must be >= 0, not " + temperature, "");
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new EngineException("top-p must be in (0, 1], not " + topP, "");
    }
    if (topK < 0) {
      throw new EngineException("top-k must be >= 0, not " + topK, "");
    }
  }

  public static SamplingParams greedy() {
    return new SamplingParams(0, 1, 0, 0);
  }

  public boolean isGreedy() {
    return temperature == 0 || topK == 1;
  }
}
