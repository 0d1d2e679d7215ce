package dev.orchestrate.engine.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of a batch run on stderr: prompts done / total, output tokens per second and the time
 * left. Human lines at most once a second (and for the last prompt); with {@code json}, one {@code
 * {"type":"progress",...}} line per finished prompt.
 */
public final class BatchProgress {
  static final long HUMAN_EVERY_NANOS = 1_000_000_000L;

  private final PrintStream err;
  private final boolean json;
  private final LongSupplier nanoTime;
  private int total;
  private int done;
  private int finishedNow;
  private long tokens;
  private long start;
  private long lastPrinted;

  public BatchProgress(PrintStream err, boolean json, LongSupplier nanoTime) {
    this.err = err;
    this.json = json;
    this.nanoTime = nanoTime;
  }

  /** {@code alreadyDone} of {@code total} prompts have results from an earlier run. */
  public void started(int total, int alreadyDone) {
    this.total = total;
    this.done = alreadyDone;
    this.start = nanoTime.getAsLong();
    this.lastPrinted = start;
    print(true);
  }

  public synchronized void finished(ResultRecord result) {
    done++;
    finishedNow++;
    tokens += result.completionTokens();
    long now = nanoTime.getAsLong();
    if (json || done == total || now - lastPrinted >= HUMAN_EVERY_NANOS) {
      lastPrinted = now;
      print(false);
    }
  }

  private void print(boolean first) {
    double seconds = (nanoTime.getAsLong() - start) / 1e9;
    double tokS = seconds > 0 ? tokens / seconds : 0;
    Double eta = finishedNow > 0 && seconds > 0 ? (total - done) * seconds / finishedNow : null;
    if (json) {
      ObjectNode n = new ObjectMapper().createObjectNode();
      n.put("type", "progress");
      n.put("done", done);
      n.put("total", total);
      n.put("tokens", tokens);
      n.put("tok_s", Math.round(tokS * 10) / 10.0);
      if (eta != null) {
        n.put("eta_s", Math.round(eta * 10) / 10.0);
      }
      err.println(n);
      return;
    }
    String line =
        String.format(Locale.ROOT, "progress: %d/%d prompts", done, total)
            + (first && done > 0 ? " (" + done + " already in the results file)" : "")
            + (first ? "" : String.format(Locale.ROOT, ", %,.1f tok/s", tokS))
            + (eta == null || done == total ? "" : ", ETA " + human(eta));
    err.println(line);
  }

  /** 45s, 3m 20s, 2h 05m. */
  static String human(double seconds) {
    long s = Math.round(seconds);
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m " + String.format(Locale.ROOT, "%02ds", s % 60);
    }
    return (s / 3600) + "h " + String.format(Locale.ROOT, "%02dm", (s % 3600) / 60);
  }
}
