package dev.orchestrate.core.prompts;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ids of a prompt file in its order: what the results are sorted by at the end and counted
 * against. The engine validates the file itself (and reports every bad line); a line without a
 * string id is simply not counted here.
 */
public final class PromptIds {
  private PromptIds() {}

  public static List<String> of(Path promptFile) {
    List<String> lines;
    try {
      lines = Files.readAllLines(promptFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "cannot read the prompt file " + promptFile + ": " + e.getMessage(),
          "check the path given to --prompts",
          e);
    }
    List<String> ids = new ArrayList<>();
    for (String line : lines) {
      String id = line.isBlank() ? null : ResultsLog.idOf(line);
      if (id != null && !ids.contains(id)) {
        ids.add(id);
      }
    }
    return ids;
  }
}
