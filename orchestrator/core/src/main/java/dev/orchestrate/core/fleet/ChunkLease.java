package dev.orchestrate.core.fleet;

import java.time.Instant;
import java.util.Objects;

/**
 * A chunk handed to one machine: until the machine completes it or gives it back (lost, stopped),
 * no other machine gets it. {@code attempt} counts the hand-outs of this chunk, from 1.
 */
public record ChunkLease(Chunk chunk, String machine, int attempt, Instant since) {
  public ChunkLease {
    Objects.requireNonNull(chunk, "chunk");
    Objects.requireNonNull(machine, "machine");
    Objects.requireNonNull(since, "since");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt " + attempt);
    }
  }

  /** {@code c7-a2}: the chunk and the attempt, unique within a run. */
  public String name() {
    return chunk.name() + "-a" + attempt;
  }
}
