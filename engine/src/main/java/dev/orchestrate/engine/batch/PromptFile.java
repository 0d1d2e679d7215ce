package dev.orchestrate.engine.batch;

import java.nio.file.Path;
import java.util.List;

/** A validated prompt file: its prompts in the file's order. */
public record PromptFile(Path path, List<PromptSpec> prompts) {
  public PromptFile {
    prompts = List.copyOf(prompts);
  }

  /** The ids in the file's order. */
  public List<String> ids() {
    return prompts.stream().map(PromptSpec::id).toList();
  }
}
