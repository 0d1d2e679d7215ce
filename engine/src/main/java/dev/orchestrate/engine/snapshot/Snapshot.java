package dev.orchestrate.engine.snapshot;

import dev.orchestrate.engine.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A Hugging Face model snapshot directory: configs, tokenizer and weights. */
public record Snapshot(
    Path dir, ModelConfig config, GenerationConfig generation, Path tokenizerJson) {

  public static Snapshot open(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new EngineException(
          "snapshot directory " + dir + " does not exist",
          "create one with `bin/engine snapshot create --config tiny --seed 1 --out " + dir + "`");
    }
    ModelConfig config = ModelConfig.read(dir.resolve("config.json"));
    GenerationConfig generation =
        GenerationConfig.readOrDefault(dir.resolve("generation_config.json"), config);
    Path tokenizer = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizer)) {
      throw new EngineException("snapshot " + dir + " has no tokenizer.json", "");
    }
    return new Snapshot(dir, config, generation, tokenizer);
  }

  /** Opens the weights (memory-mapped); the caller closes them. */
  public Weights openWeights() {
    return Weights.open(dir);
  }

  /** A short fingerprint of the snapshot's identity; see {@link SnapshotFingerprint}. */
  public String fingerprint() {
    return SnapshotFingerprint.of(dir);
  }
}
