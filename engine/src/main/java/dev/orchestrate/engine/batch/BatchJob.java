package dev.orchestrate.engine.batch;

import dev.orchestrate.engine.generate.SamplingParams;
import java.util.List;
import java.util.Set;

/** One prompt ready to run: its token ids, limits, sampling and what ends it. */
public record BatchJob(
    String id,
    int[] promptIds,
    int maxNewTokens,
    SamplingParams sampling,
    List<String> stop,
    Set<Integer> stopIds) {
  public BatchJob {
    promptIds = promptIds.clone();
    stop = List.copyOf(stop);
    stopIds = Set.copyOf(stopIds);
    if (promptIds.length == 0) {
      throw new IllegalArgumentException("prompt " + id + " has no tokens");
    }
  }

  @Override
  public int[] promptIds() {
    return promptIds.clone();
  }

  int promptLength() {
    return promptIds.length;
  }
}
