package dev.orchestrate.core.fleet;

import java.util.List;
import java.util.Objects;

/**
 * A slice of a prompt file that one machine runs in one engine process: its position in the file's
 * order ({@code index}), and its prompts' ids and JSON lines as the file has them.
 */
public record Chunk(int index, List<String> ids, List<String> lines) {
  public Chunk {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(lines, "lines");
    if (index < 0 || ids.isEmpty() || ids.size() != lines.size()) {
      throw new IllegalArgumentException(
          "chunk " + index + ": " + ids.size() + " ids for " + lines.size() + " lines");
    }
    ids = List.copyOf(ids);
    lines = List.copyOf(lines);
  }

  /** {@code c7} — short enough for a remote folder name. */
  public String name() {
    return "c" + index;
  }

  public int size() {
    return ids.size();
  }
}
