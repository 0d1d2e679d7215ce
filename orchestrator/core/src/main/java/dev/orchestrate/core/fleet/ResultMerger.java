package dev.orchestrate.core.fleet;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.prompts.ResultsLog;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges the results of every machine into one {@code results.jsonl} in the prompt file's order,
 * exactly once per prompt: a result whose id is done already (a lost machine that answered after
 * all, a chunk run twice) is dropped. The file only ever grows at its end: results that arrive
 * ahead of an earlier prompt wait in a reorder buffer, mirrored line by line to {@code
 * results.pending.jsonl} beside it so that not even a killed client loses them. {@link #finish}
 * writes everything it has in order (gaps where prompts are missing) and removes the mirror.
 *
 * <p>A merger opened on a run folder that has results already (a resumed run) reads both files:
 * what they hold is done and is not asked for again.
 */
public final class ResultMerger implements AutoCloseable {
  public static final String PENDING = "results.pending.jsonl";

  private final List<String> order;
  private final Set<String> wanted;
  private final Path file;
  private final Path pendingFile;
  private final Map<String, String> buffered = new HashMap<>();
  private final Set<String> written = new HashSet<>();
  private int next; // the first place in order whose result is not in the file
  private OutputStream out;
  private OutputStream pending;

  public ResultMerger(List<String> order, Path file) {
    this.order = List.copyOf(order);
    this.wanted = Set.copyOf(order);
    this.file = file;
    this.pendingFile = file.resolveSibling(PENDING);
    // What an earlier client left: the file (possibly with gaps, after a stop) and the mirror.
    Map<String, String> earlier = new HashMap<>(ResultsLog.read(pendingFile));
    earlier.putAll(ResultsLog.read(file));
    earlier.keySet().retainAll(wanted);
    buffered.putAll(earlier);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      // Everything earlier goes to the mirror first (atomically), then the file restarts as the
      // in-order prefix; what follows a gap waits in the buffer.
      StringBuilder mirror = new StringBuilder();
      buffered.values().forEach(line -> mirror.append(line).append('\n'));
      dev.orchestrate.core.io.AtomicFiles.write(
          pendingFile, mirror.toString().getBytes(StandardCharsets.UTF_8));
      pending =
          Files.newOutputStream(pendingFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      Files.deleteIfExists(file);
      out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      drain();
    } catch (IOException e) {
      throw failed(e);
    }
  }

  /** Ids with a result, in the file or waiting for an earlier one. */
  public synchronized Set<String> done() {
    Set<String> all = new HashSet<>(written);
    all.addAll(buffered.keySet());
    return all;
  }

  public synchronized int doneCount() {
    return written.size() + buffered.size();
  }

  /** Results waiting for an earlier prompt's. */
  public synchronized int waiting() {
    return buffered.size();
  }

  public int total() {
    return order.size();
  }

  /**
   * Takes one result line ({@code id} is its id). False when it is not taken: not a prompt of this
   * file, one that has a result already, or the merger is finished (a lost machine's thread that
   * unwinds late).
   */
  public synchronized boolean accept(String id, String line) {
    if (out == null || !wanted.contains(id) || written.contains(id) || buffered.containsKey(id)) {
      return false;
    }
    buffered.put(id, line);
    try {
      if (id.equals(order.get(next))) {
        drain();
      } else {
        pending.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        pending.flush();
      }
    } catch (IOException e) {
      throw failed(e);
    }
    return true;
  }

  // Appends the buffered results that continue the file's order.
  private void drain() throws IOException {
    boolean wrote = false;
    while (next < order.size() && buffered.containsKey(order.get(next))) {
      String id = order.get(next);
      out.write((buffered.remove(id) + "\n").getBytes(StandardCharsets.UTF_8));
      written.add(id);
      next++;
      wrote = true;
    }
    if (wrote) {
      out.flush();
    }
  }

  /**
   * Writes every result held, in the file's order (the prompts without one are simply absent), and
   * removes the mirror. Returns how many prompts have no result.
   */
  public synchronized int finish() {
    Map<String, String> all = new HashMap<>(ResultsLog.read(file));
    all.putAll(buffered);
    try {
      close();
      ResultsLog log = new ResultsLog(file);
      log.seed(all);
      int missing = log.rewriteInOrder(order);
      log.close();
      Files.deleteIfExists(pendingFile);
      written.addAll(buffered.keySet());
      buffered.clear();
      return missing;
    } catch (IOException e) {
      throw failed(e);
    }
  }

  public Path file() {
    return file;
  }

  private OrchestrateException failed(IOException e) {
    return new OrchestrateException(
        ErrorCode.FAILURE,
        "cannot write " + file + ": " + e.getMessage(),
        "check the logs folder",
        e);
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
    if (pending != null) {
      pending.close();
      pending = null;
    }
  }
}
