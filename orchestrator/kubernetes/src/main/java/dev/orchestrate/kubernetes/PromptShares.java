package dev.orchestrate.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A prompt file cut into the pods' shares: the k-th prompt (blank lines skipped) goes to pod {@code
 * k mod N}, so shares differ by at most one prompt and a pod's share is fixed by its completion
 * index alone. The shares travel in one ConfigMap ({@code share-<i>.jsonl}), which the API server
 * caps at 1 MiB: a file over {@link #MAX_BYTES} is refused before anything is created. The ids keep
 * the file's order for the merged results.
 */
public record PromptShares(List<String> ids, Map<String, String> files) {
  /** What we put in one ConfigMap: under the API server's 1 MiB, with room for its metadata. */
  public static final long MAX_BYTES = 1_000_000;

  public PromptShares {
    ids = List.copyOf(ids);
    files = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(files));
  }

  /** The ConfigMap key of share {@code index}. */
  public static String key(int index) {
    return "share-" + index + ".jsonl";
  }

  public static PromptShares of(Path promptFile, int pods) {
    if (pods < 1) {
      throw new IllegalArgumentException("pods " + pods);
    }
    List<String> lines;
    try {
      long size = Files.size(promptFile);
      if (size > MAX_BYTES) {
        throw tooBig(promptFile, size);
      }
      lines = Files.readAllLines(promptFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "cannot read the prompt file " + promptFile + ": " + e.getMessage(),
          "one JSON object per line (docs/prompts.md)",
          e);
    }
    List<StringBuilder> shares = new ArrayList<>();
    for (int i = 0; i < pods; i++) {
      shares.add(new StringBuilder());
    }
    List<String> ids = new ArrayList<>();
    Map<String, Integer> firstLine = new java.util.HashMap<>();
    int k = 0;
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n);
      if (line.isBlank()) {
        continue;
      }
      String id = idOf(promptFile, n + 1, line);
      Integer first = firstLine.putIfAbsent(id, n + 1);
      if (first != null) {
        // each pod sees only its share, so the engine could not tell
        throw new OrchestrateException(
            ErrorCode.USAGE,
            promptFile + ":" + (n + 1) + ": id \"" + id + "\" is already on line " + first,
            "ids must be unique in the file (docs/prompts.md)");
      }
      ids.add(id);
      shares.get(k % pods).append(line).append('\n');
      k++;
    }
    if (ids.isEmpty()) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "the prompt file " + promptFile + " has no prompts",
          "one JSON object per line: {\"id\": \"a\", \"prompt\": \"Hello\"} (docs/prompts.md)");
    }
    Map<String, String> files = new LinkedHashMap<>();
    for (int i = 0; i < pods; i++) {
      files.put(key(i), shares.get(i).toString());
    }
    return new PromptShares(ids, files);
  }

  /** The ids of share {@code index}, in its order. */
  public List<String> idsOf(int index, int pods) {
    List<String> out = new ArrayList<>();
    for (int k = index; k < ids.size(); k += pods) {
      out.add(ids.get(k));
    }
    return out;
  }

  private static String idOf(Path file, int lineNumber, String line) {
    try {
      JsonNode node = Json.mapper().readTree(line);
      JsonNode id = node == null ? null : node.get("id");
      if (id != null && id.isTextual()) {
        return id.asText();
      }
    } catch (IOException e) {
      // reported below with the line number
    }
    throw new OrchestrateException(
        ErrorCode.USAGE,
        file + ":" + lineNumber + ": not a JSON object with a string \"id\"",
        "the engine checks the rest of each line (docs/prompts.md)");
  }

  private static OrchestrateException tooBig(Path file, long size) {
    return new OrchestrateException(
        ErrorCode.USAGE,
        "the prompt file "
            + file
            + " has "
            + size
            + " bytes; the kubernetes target ships it in one ConfigMap, at most "
            + MAX_BYTES
            + " bytes",
        "split it and run the parts one after another (docs/kubernetes.md, limits)");
  }
}
