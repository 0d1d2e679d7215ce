package dev.orchestrate.engine.batch;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.generate.BatchBackend;
import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Continuous batching over a {@link BatchBackend}: up to {@code concurrency} sequences are in
 * flight; each step decodes all of them at once, each chooses its next token with its own sampler
 * (arg-max when greedy), and a sequence that ends (eos id, stop string, length) frees its slot for
 * the next waiting prompt before the following step. Results go to {@code done} as each prompt
 * finishes.
 */
public final class BatchScheduler {
  private final BatchBackend backend;
  private final TextTokenizer tokenizer;
  private final int concurrency;
  private final LongSupplier nanoTime;

  public BatchScheduler(
      BatchBackend backend, TextTokenizer tokenizer, int concurrency, LongSupplier nanoTime) {
    if (concurrency < 1) {
      throw new EngineException("--batch must be at least 1, not " + concurrency, "");
    }
    this.backend = backend;
    this.tokenizer = tokenizer;
    this.concurrency = Math.min(concurrency, backend.slots());
    this.nanoTime = nanoTime;
  }

  /** Sequences in flight at most: the smaller of the requested batch and the backend's slots. */
  public int concurrency() {
    return concurrency;
  }

  public void run(List<BatchJob> jobs, Consumer<ResultRecord> done) {
    long start = nanoTime.getAsLong();
    Deque<BatchJob> waiting = new ArrayDeque<>(jobs);
    Deque<Integer> free = new ArrayDeque<>();
    for (int s = 0; s < concurrency; s++) {
      free.add(s);
    }
    float[] logits = new float[backend.vocabSize()];
    int[] slots = new int[concurrency];
    int[] tokens = new int[concurrency];
    int[] next = new int[concurrency];
    List<Sequence> active = new ArrayList<>(concurrency);
    while (!waiting.isEmpty() || !active.isEmpty()) {
      while (!free.isEmpty() && !waiting.isEmpty()) {
        BatchJob job = waiting.poll();
        int slot = free.poll();
        Sequence s = admit(job, slot, start);
        int first = backend.prefill(slot, job.promptIds());
        if (s.accept(choose(s, first, logits), nanoTime.getAsLong())) {
          end(s, free, done);
        } else {
          active.add(s);
        }
      }
      int n = active.size();
      if (n == 0) {
        continue;
      }
      for (int i = 0; i < n; i++) {
        slots[i] = active.get(i).slot;
        tokens[i] = active.get(i).last();
      }
      backend.decode(slots, tokens, n, next);
      long now = nanoTime.getAsLong();
      List<Sequence> still = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        Sequence s = active.get(i);
        if (s.accept(choose(s, next[i], logits), now)) {
          end(s, free, done);
        } else {
          still.add(s);
        }
      }
      active = still;
    }
  }

  private Sequence admit(BatchJob job, int slot, long start) {
    if (job.promptLength() >= backend.maxSequence()) {
      throw new EngineException(
          "prompt "
              + job.id()
              + " has "
              + job.promptLength()
              + " tokens; a sequence holds "
              + backend.maxSequence(),
          "shorten it");
    }
    return new Sequence(
        job,
        slot,
        backend.maxSequence(),
        backend.vocabSize(),
        tokenizer,
        start,
        nanoTime.getAsLong());
  }

  /** The sequence's next token: the backend's arg-max when greedy, else drawn from its logits. */
  private int choose(Sequence s, int argMax, float[] logits) {
    if (s.sampler == null) {
      return argMax;
    }
    backend.logits(s.slot, logits);
    return s.sampler.sample(logits);
  }

  private void end(Sequence s, Deque<Integer> free, Consumer<ResultRecord> done) {
    backend.release(s.slot);
    free.add(s.slot);
    done.accept(s.result(nanoTime.getAsLong()));
  }
}
