package dev.orchestrate.engine.cli;

import dev.orchestrate.engine.generate.SamplingParams;
import picocli.CommandLine.Option;

/** --temperature, --top-p, --top-k, --seed. */
final class SamplingOptions {
  @Option(
      names = "--temperature",
      description = "0 = greedy (default ${DEFAULT-VALUE})",
      defaultValue = "0")
  double temperature;

  @Option(
      names = "--top-p",
      description = "nucleus sampling mass, 1 = off (default ${DEFAULT-VALUE})",
      defaultValue = "1.0")
  double topP;

  @Option(
      names = "--top-k",
      description = "keep the k best tokens, 0 = off (default ${DEFAULT-VALUE})",
      defaultValue = "0")
  int topK;

  @Option(
      names = "--seed",
      description = "sampling seed (default ${DEFAULT-VALUE})",
      defaultValue = "0")
  long seed;

  SamplingParams params() {
    return new SamplingParams(temperature, topP, topK, seed);
  }
}
