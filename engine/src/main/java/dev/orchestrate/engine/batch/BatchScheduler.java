package dev.orchestrate.engine.batch;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.generate.BatchBackend;
import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Continuous batching over a {@link BatchBackend}: up to {@code concurrency} sequences hold a slot.
 * Each round first prefills new prompts — all of them at once while nothing decodes, otherwise at
 * most one {@link BatchBackend#prefillChunk} of prompt tokens, so a long new prompt never holds the
 * running sequences up for more than a chunk — then decodes every running sequence with one step.
 * Each sequence chooses its next token with its own sampler (the arg-max when greedy), and one that
 * ends (eos id, stop string, length) frees its slot for the next waiting prompt at once. Results go
 * to {@code done} as each prompt finishes.
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
    for (BatchJob job : jobs) {
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
    }
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
    List<Sequence> prefilling = new ArrayList<>(concurrency);
    List<Sequence> running = new ArrayList<>(concurrency);
    while (!waiting.isEmpty() || !prefilling.isEmpty() || !running.isEmpty()) {
      while (!free.isEmpty() && !waiting.isEmpty()) {
        prefilling.add(admit(waiting.poll(), free.poll(), start));
      }
      long budget = running.isEmpty() ? Long.MAX_VALUE : backend.prefillChunk();
      for (Iterator<Sequence> it = prefilling.iterator(); it.hasNext() && budget > 0; ) {
        Sequence s = it.next();
        int take = (int) Math.min(budget, Math.min(backend.prefillChunk(), s.promptLeft()));
        budget -= take;
        int argMax = backend.prefill(s.slot, s.prompt(), s.prefilled(), take);
        if (s.prefilledMore(take)) {
          it.remove();
          if (s.accept(choose(s, argMax, logits), nanoTime.getAsLong())) {
            end(s, free, done);
          } else {
            running.add(s);
          }
        }
      }
      int n = running.size();
      if (n == 0) {
        continue;
      }
      for (int i = 0; i < n; i++) {
        slots[i] = running.get(i).slot;
        tokens[i] = running.get(i).last();
      }
      backend.decode(slots, tokens, n, next);
      long now = nanoTime.getAsLong();
      List<Sequence> still = new ArrayList<>(concurrency);
      for (int i = 0; i < n; i++) {
        Sequence s = running.get(i);
        if (s.accept(choose(s, next[i], logits), now)) {
          end(s, free, done);
        } else {
          still.add(s);
        }
      }
      running = still;
    }
  }

  private Sequence admit(BatchJob job, int slot, long start) {
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
