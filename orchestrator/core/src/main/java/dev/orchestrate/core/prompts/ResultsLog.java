package dev.orchestrate.core.prompts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.io.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A run's {@code logs/<run-id>/results.jsonl}: one JSON object per finished prompt, appended and
 * flushed as each arrives (finishing order), rewritten in the prompt file's order once every prompt
 * has one (temporary file, then rename). Results are keyed by {@code id}: one that is already here
 * is not written twice.
 */
public final class ResultsLog implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Map<String, String> lines = new LinkedHashMap<>();
  private OutputStream out;

  public ResultsLog(Path file) {
    this.file = file;
    lines.putAll(read(file));
  }

  /**
   * The complete result lines of {@code file} by id, in the file's order; a last line without its
   * newline (a writer that stopped mid-line) and lines that are not results are left out.
   */
  public static Map<String, String> read(Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    if (!Files.isRegularFile(file)) {
      return out;
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "cannot read " + file + ": " + e.getMessage(), null, e);
    }
    int end = text.lastIndexOf('\n');
    for (String line : text.substring(0, end + 1).split("\n")) {
      String id = idOf(line);
      if (id != null) {
        out.putIfAbsent(id, line.strip());
      }
    }
    return out;
  }

  /** The {@code id} of a result line, or null when it is not one. */
  public static String idOf(String line) {
    try {
      JsonNode n = JSON.readTree(line);
      JsonNode id = n == null ? null : n.get("id");
      return n != null && n.isObject() && id != null && id.isTextual() ? id.asText() : null;
    } catch (IOException e) {
      return null;
    }
  }

  public Path file() {
    return file;
  }

  public synchronized Set<String> done() {
    return Set.copyOf(lines.keySet());
  }

  /** Appends {@code line} (one result, no newline) unless its id is here already. */
  public synchronized void append(String id, String line) {
    if (lines.putIfAbsent(id, line) != null) {
      return;
    }
    try {
      if (out == null) {
        rewrite(new ArrayList<>(lines.values()).subList(0, lines.size() - 1));
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "cannot write " + file + ": " + e.getMessage(), null, e);
    }
  }

  /** Copies the results of another file (an earlier run's) in, skipping ids already here. */
  public synchronized void seed(Map<String, String> results) {
    results.forEach(lines::putIfAbsent);
    try {
      close();
      rewrite(new ArrayList<>(lines.values()));
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "cannot write " + file + ": " + e.getMessage(), null, e);
    }
  }

  /**
   * Rewrites the file with the results of {@code order} in that order, then any others. Returns how
   * many ids of {@code order} have no result.
   */
  public synchronized int rewriteInOrder(List<String> order) {
    List<String> sorted = new ArrayList<>();
    int missing = 0;
    for (String id : order) {
      String line = lines.get(id);
      if (line == null) {
        missing++;
      } else {
        sorted.add(line);
      }
    }
    Set<String> wanted = Set.copyOf(order);
    lines.forEach(
        (id, line) -> {
          if (!wanted.contains(id)) {
            sorted.add(line);
          }
        });
    try {
      close();
      rewrite(sorted);
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "cannot rewrite " + file + ": " + e.getMessage(), null, e);
    }
    return missing;
  }

  private void rewrite(List<String> content) throws IOException {
    StringBuilder s = new StringBuilder();
    for (String line : content) {
      s.append(line).append('\n');
    }
    AtomicFiles.write(file, s.toString().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }
}
