package dev.orchestrate.cli.command;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.prompts.PromptRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --prompts FILE} of {@code up} and {@code run} as profile overrides: {@code engine.prompts}
 * (absolute, so it means the same wherever the run's steps look), and for {@code run NAME} {@code
 * engine.resumeFrom} naming that run's results, so prompts it finished are skipped.
 */
final class PromptFileSets {
  private PromptFileSets() {}

  static List<String> with(List<String> sets, Path prompts, Path earlierRunDir) {
    if (prompts == null) {
      return sets;
    }
    if (!Files.isRegularFile(prompts)) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "no prompt file at " + prompts,
          "one JSON object per line: {\"id\": \"a\", \"prompt\": \"Hello\"} (docs/prompts.md)");
    }
    List<String> all = new ArrayList<>(sets);
    all.add("engine.prompts=" + prompts.toAbsolutePath().normalize());
    if (earlierRunDir != null) {
      Path results = earlierRunDir.resolve(PromptRun.RESULTS).toAbsolutePath().normalize();
      if (Files.isRegularFile(results)) {
        all.add("engine.resumeFrom=" + results);
      }
    }
    return all;
  }
}
