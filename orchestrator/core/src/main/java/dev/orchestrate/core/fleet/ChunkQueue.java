package dev.orchestrate.core.fleet;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The fleet's work queue, held by the client: machines {@link #take} the next chunk when they have
 * finished one, so a slow machine never holds the others back. A chunk given back (its machine was
 * lost, or stopped) goes to the front and is done elsewhere; a chunk given back {@code maxAttempts}
 * times is not handed out again and ends the queue ({@link #failure}) — a prompt that kills every
 * engine is not retried forever. Once {@link #close}d (budget, Ctrl-C, failure) nothing more is
 * handed out.
 */
public final class ChunkQueue {
  private final Clock clock;
  private final int maxAttempts;
  private final int total;
  private final Deque<Chunk> pending = new ArrayDeque<>();
  private final Map<Integer, ChunkLease> leased = new HashMap<>();
  private final Map<Integer, Integer> attempts = new HashMap<>();
  private final Set<Integer> done = new HashSet<>();
  private boolean closed;
  private String failure;

  public ChunkQueue(List<Chunk> chunks, Clock clock, int maxAttempts) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts " + maxAttempts);
    }
    this.clock = clock;
    this.maxAttempts = maxAttempts;
    this.total = chunks.size();
    pending.addAll(chunks);
  }

  /**
   * The next chunk for {@code machine}, waiting while every chunk left is leased to another machine
   * (one may come back); empty once all are done or the queue is closed.
   */
  public synchronized Optional<ChunkLease> take(String machine) throws InterruptedException {
    while (true) {
      Optional<ChunkLease> next = tryTake(machine);
      if (next.isPresent() || closed || leased.isEmpty()) {
        return next;
      }
      wait();
    }
  }

  /** The next chunk if one is waiting now; never blocks. */
  public synchronized Optional<ChunkLease> tryTake(String machine) {
    if (closed || pending.isEmpty()) {
      return Optional.empty();
    }
    Chunk c = pending.removeFirst();
    int attempt = attempts.merge(c.index(), 1, Integer::sum);
    ChunkLease lease = new ChunkLease(c, machine, attempt, clock.instant());
    leased.put(c.index(), lease);
    return Optional.of(lease);
  }

  /** The chunk is done; false when the lease was no longer held (given back meanwhile). */
  public synchronized boolean complete(ChunkLease lease) {
    if (!lease.equals(leased.get(lease.chunk().index()))) {
      return false;
    }
    leased.remove(lease.chunk().index());
    done.add(lease.chunk().index());
    notifyAll();
    return true;
  }

  /**
   * The chunk was not finished: back to the front of the queue for another machine. Giving back a
   * lease that is no longer held does nothing, so a lost machine's worker and the watch that saw it
   * go may both call this.
   */
  public synchronized void giveBack(ChunkLease lease, String why) {
    if (!lease.equals(leased.get(lease.chunk().index()))) {
      return;
    }
    leased.remove(lease.chunk().index());
    if (lease.attempt() >= maxAttempts) {
      failure =
          "chunk "
              + lease.chunk().name()
              + " (prompts "
              + lease.chunk().ids().get(0)
              + "…) failed "
              + lease.attempt()
              + " times, last on "
              + lease.machine()
              + ": "
              + why;
      closed = true;
    } else {
      pending.addFirst(lease.chunk());
    }
    notifyAll();
  }

  /** Hands out nothing more; machines waiting in {@link #take} get empty. */
  public synchronized void close() {
    closed = true;
    notifyAll();
  }

  public synchronized boolean finished() {
    return done.size() == total;
  }

  public synchronized int doneChunks() {
    return done.size();
  }

  public int totalChunks() {
    return total;
  }

  /** Why the queue gave up on a chunk, if it did. */
  public synchronized Optional<String> failure() {
    return Optional.ofNullable(failure);
  }
}
