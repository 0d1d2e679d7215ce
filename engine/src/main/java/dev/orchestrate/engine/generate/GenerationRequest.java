package dev.orchestrate.engine.generate;

import dev.orchestrate.engine.EngineException;
import java.util.Set;

/** One generation: prompt ids, how many tokens at most, how to sample, which ids stop it. */
public record GenerationRequest(
    int[] promptIds, int maxNewTokens, SamplingParams sampling, Set<Integer> stopIds) {
  public GenerationRequest {
    promptIds = promptIds.clone();
    stopIds = Set.copyOf(stopIds);
    if (promptIds.length == 0) {
      throw new EngineException("the prompt is empty", "pass a non-empty --prompt");
    }
    if (maxNewTokens < 1) {
      throw new EngineException("--max-new-tokens must be at least 1", "");
    }
  }

  @Override
  public int[] promptIds() {
    return promptIds.clone();
  }
}
