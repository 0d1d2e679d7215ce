package dev.orchestrate.core.fleet;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.prompts.ResultsLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A prompt file as the fleet splits it: its id-carrying lines in the file's order (the engine on
 * each machine validates them; blank lines and lines without a string id are not prompts here, as
 * for {@code PromptIds}).
 */
public record PromptLines(List<String> ids, List<String> lines) {
  public PromptLines {
    ids = List.copyOf(ids);
    lines = List.copyOf(lines);
  }

  public static PromptLines read(Path file) {
    List<String> all;
    try {
      all = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "cannot read the prompt file " + file + ": " + e.getMessage(),
          "check the path given to --prompts",
          e);
    }
    List<String> ids = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String line : all) {
      String id = line.isBlank() ? null : ResultsLog.idOf(line);
      if (id != null && seen.add(id)) {
        ids.add(id);
        lines.add(line.strip());
      }
    }
    return new PromptLines(ids, lines);
  }

  public int size() {
    return ids.size();
  }

  /**
   * The prompts not in {@code done}, cut into chunks of {@code size} in the file's order; a chunk's
   * index is its place among all chunks of this cut.
   */
  public List<Chunk> chunks(Set<String> done, int size) {
    if (size < 1) {
      throw new IllegalArgumentException("chunk size " + size);
    }
    List<Chunk> out = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < this.ids.size(); i++) {
      if (done.contains(this.ids.get(i))) {
        continue;
      }
      ids.add(this.ids.get(i));
      lines.add(this.lines.get(i));
      if (ids.size() == size) {
        out.add(new Chunk(out.size(), ids, lines));
        ids.clear();
        lines.clear();
      }
    }
    if (!ids.isEmpty()) {
      out.add(new Chunk(out.size(), ids, lines));
    }
    return out;
  }

  /**
   * The chunk size when none is given: about eight chunks per machine, so a slow machine holds back
   * at most an eighth of its share at the end and a lost one repeats little; between 1 and 256
   * prompts (one engine start per chunk is the price of a smaller one).
   */
  public static int defaultChunkSize(int prompts, int machines) {
    int perChunk = (int) Math.ceil(prompts / (double) (Math.max(1, machines) * 8));
    return Math.max(1, Math.min(256, perChunk));
  }
}
