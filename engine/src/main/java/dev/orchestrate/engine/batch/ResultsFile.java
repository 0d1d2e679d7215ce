package dev.orchestrate.engine.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.EngineException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The results file of a batch run. Opening it keeps the results already there (a re-run skips their
 * ids) and drops a last line that a crash cut short; each new result is appended and flushed as one
 * write, in the order prompts finish. Once every prompt has its result, {@link #rewriteInOrder}
 * replaces the file with the same lines in the prompt file's order (a temporary file renamed over
 * it, so a crash leaves either the old file or the new one, never a mix).
 */
public final class ResultsFile implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;
  private final Map<String, String> lines;
  private final int dropped;
  private OutputStream out;

  private ResultsFile(Path path, Map<String, String> lines, int dropped, OutputStream out) {
    this.path = path;
    this.lines = lines;
    this.dropped = dropped;
    this.out = out;
  }

  /** Opens (or creates) {@code path} for appending, after reading the results it already holds. */
  public static ResultsFile open(Path path) {
    try {
      Path parent = path.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Map<String, String> lines = new LinkedHashMap<>();
      int dropped = 0;
      if (Files.exists(path)) {
        byte[] bytes = Files.readAllBytes(path);
        int end = lastNewline(bytes) + 1;
        if (end < bytes.length) {
          dropped = 1; // a line a crash cut short: its prompt runs again
          try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.truncate(end);
          }
        }
        read(path, new String(bytes, 0, end, StandardCharsets.UTF_8), lines);
      }
      OutputStream out =
          Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      return new ResultsFile(path, lines, dropped, out);
    } catch (IOException e) {
      throw new EngineException(
          "cannot open the results file " + path + ": " + e.getMessage(),
          "check the path given to --out",
          e);
    }
  }

  private static int lastNewline(byte[] bytes) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static void read(Path path, String text, Map<String, String> lines) {
    LineProblems problems = new LineProblems();
    String[] all = text.split("\n", -1);
    for (int i = 0; i < all.length; i++) {
      String line = all[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      String id = idOf(line);
      if (id == null) {
        problems.add(i + 1, "not a result (a JSON object with an \"id\")");
      } else {
        lines.putIfAbsent(id, line);
      }
    }
    problems.throwIfAny(
        path,
        "are not results",
        "--out must name a results file of an earlier run (or a new file); move this one away");
  }

  private static String idOf(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      JsonNode id = node == null ? null : node.get("id");
      return id != null && id.isTextual() ? id.asText() : null;
    } catch (IOException e) {
      return null;
    }
  }

  public Path path() {
    return path;
  }

  /** Ids with a result in the file. */
  public Set<String> done() {
    return Set.copyOf(lines.keySet());
  }

  /** 1 when opening dropped a cut-short last line, else 0. */
  public int droppedLines() {
    return dropped;
  }

  /** Appends one result and hands it to the operating system before returning. */
  public synchronized void append(ResultRecord result) {
    String line = result.toJsonLine();
    try {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      throw new EngineException("cannot write " + path + ": " + e.getMessage(), "", e);
    }
    lines.putIfAbsent(result.id(), line);
  }

  /**
   * Rewrites the file with the results of {@code order} first, in that order, then any result of an
   * id not in it (kept, in the order they were found).
   */
  public synchronized void rewriteInOrder(List<String> order) {
    List<String> sorted = new ArrayList<>();
    for (String id : order) {
      String line = lines.get(id);
      if (line != null) {
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
    Path dir = path.toAbsolutePath().getParent();
    try {
      close();
      Path tmp = Files.createTempFile(dir, path.getFileName() + ".", ".tmp");
      try {
        Files.writeString(tmp, String.join("\n", sorted) + "\n", StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      out = Files.newOutputStream(path, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new EngineException(
          "cannot rewrite " + path + " in the prompt file's order: " + e.getMessage(),
          "the results are all there, in the order they finished",
          e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      if (out != null) {
        out.close();
        out = null;
      }
    } catch (IOException e) {
      throw new EngineException("cannot close " + path + ": " + e.getMessage(), "", e);
    }
  }
}
