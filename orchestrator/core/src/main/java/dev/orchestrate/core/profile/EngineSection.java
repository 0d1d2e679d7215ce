package dev.orchestrate.core.profile;

import static dev.orchestrate.core.profile.InvalidValue.check;

import java.util.List;
import java.util.Map;

/**
 * What runs and how ({@code engine}). {@code command} is the engine's command line; {@code
 * snapshotCommand}, when set, runs first if the snapshot folder is missing or empty (e.g. to create
 * a tiny test snapshot). Both may use the placeholders {@code {backend}}, {@code {snapshot}},
 * {@code {prompt}}, {@code {maxNewTokens}} and {@code {seed}}. {@code snapshot} defaults to the
 * assets dir. {@code prompts} names a JSONL prompt file (docs/prompts.md) to run in place of {@code
 * prompt}; {@code resumeFrom} the results file of an earlier run whose prompts are skipped.
 */
public record EngineSection(
    EngineBackend backend,
    List<String> command,
    List<String> snapshotCommand,
    String snapshot,
    String prompt,
    Integer maxNewTokens,
    Integer seed,
    Map<String, String> environment,
    String prompts,
    String resumeFrom) {

  public static final List<String> DEFAULT_COMMAND =
      List.of(
          "bin/engine",
          "generate",
          "--backend",
          "{backend}",
          "--snapshot",
          "{snapshot}",
          "--prompt",
          "{prompt}",
          "--max-new-tokens",
          "{maxNewTokens}");

  public EngineSection {
    backend = backend == null ? EngineBackend.REFERENCE : backend;
    command = command == null ? DEFAULT_COMMAND : List.copyOf(command);
    check(!command.isEmpty(), "command", "must name a program to run");
    snapshotCommand = snapshotCommand == null ? List.of() : List.copyOf(snapshotCommand);
    prompt = prompt == null ? "Summarize the Olmo 2 architecture." : prompt;
    maxNewTokens = maxNewTokens == null ? 64 : maxNewTokens;
    check(maxNewTokens >= 1 && maxNewTokens <= 65536, "maxNewTokens", "must be 1 to 65536");
    seed = seed == null ? 0 : seed;
    environment = environment == null ? Map.of() : Map.copyOf(environment);
    check(prompts == null || !prompts.isBlank(), "prompts", "must name a prompt file");
    check(
        resumeFrom == null || prompts != null,
        "resumeFrom",
        "resumes a prompt file: set engine.prompts too");
  }

  public static EngineSection defaults() {
    return new EngineSection(null, null, null, null, null, null, null, null, null, null);
  }
}
