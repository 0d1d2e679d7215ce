package dev.orchestrate.core.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkQueueTest {
  @TempDir Path dir;
  private final SteppedClock clock = new SteppedClock();

  private PromptLines lines(int n) throws Exception {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append("{\"id\":\"p").append(i).append("\",\"prompt\":\"x\"}\n\n");
    }
    Path f = dir.resolve("prompts.jsonl");
    Files.writeString(f, s.toString());
    return PromptLines.read(f);
  }

  @Test
  void chunksFollowTheFileAndSkipWhatIsDone() throws Exception {
    PromptLines p = lines(7);
    List<Chunk> chunks = p.chunks(Set.of("p1", "p2"), 2);
    assertEquals(3, chunks.size());
    assertEquals(List.of("p0", "p3"), chunks.get(0).ids());
    assertEquals(List.of("p4", "p5"), chunks.get(1).ids());
    assertEquals(List.of("p6"), chunks.get(2).ids());
    assertEquals(2, chunks.get(2).index());
    assertTrue(chunks.get(0).lines().get(1).contains("\"p3\""));
  }

  @Test
  void defaultSizeIsAboutEightChunksPerMachineWithinBounds() {
    assertEquals(63, PromptLines.defaultChunkSize(2000, 4));
    assertEquals(1, PromptLines.defaultChunkSize(3, 4));
    assertEquals(256, PromptLines.defaultChunkSize(1_000_000, 2));
  }

  @Test
  void eachChunkGoesToOneMachineAndAGivenBackOneGoesFirst() throws Exception {
    ChunkQueue q = new ChunkQueue(lines(6).chunks(Set.of(), 2), clock, 3);
    ChunkLease a = q.tryTake("m1").orElseThrow();
    ChunkLease b = q.tryTake("m2").orElseThrow();
    assertEquals(0, a.chunk().index());
    assertEquals(1, b.chunk().index());
    q.giveBack(a, "lost");
    q.giveBack(a, "lost again"); // a second give-back of the same lease does nothing
    ChunkLease again = q.tryTake("m2").orElseThrow();
    assertEquals(0, again.chunk().index());
    assertEquals(2, again.attempt());
    assertEquals("c0-a2", again.name());
    assertFalse(q.complete(a), "the first lease was given back");
    assertTrue(q.complete(again));
    assertTrue(q.complete(b));
    ChunkLease last = q.tryTake("m1").orElseThrow();
    assertTrue(q.complete(last));
    assertTrue(q.finished());
    assertEquals(Optional.empty(), q.take("m1"));
  }

  @Test
  void aMachineWaitsWhileOthersHoldTheRestAndGetsAChunkThatComesBack() throws Exception {
    ChunkQueue q = new ChunkQueue(lines(2).chunks(Set.of(), 2), clock, 3);
    ChunkLease held = q.tryTake("m1").orElseThrow();
    CompletableFuture<Optional<ChunkLease>> waiting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return q.take("m2");
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(100);
    assertFalse(waiting.isDone(), "m2 waits while m1 holds the last chunk");
    q.giveBack(held, "m1 was destroyed");
    ChunkLease got = waiting.get(5, TimeUnit.SECONDS).orElseThrow();
    assertEquals("m2", got.machine());
    assertEquals(0, got.chunk().index());
  }

  @Test
  void aWaitingMachineIsReleasedWhenTheLastChunkCompletesOrTheQueueCloses() throws Exception {
    ChunkQueue q = new ChunkQueue(lines(4).chunks(Set.of(), 2), clock, 3);
    ChunkLease first = q.tryTake("m1").orElseThrow();
    ChunkLease second = q.tryTake("m2").orElseThrow();
    CompletableFuture<Optional<ChunkLease>> waiting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return q.take("m3");
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    q.complete(first);
    Thread.sleep(50);
    assertFalse(waiting.isDone());
    q.close();
    assertEquals(Optional.empty(), waiting.get(5, TimeUnit.SECONDS));
    q.giveBack(second, "stopped");
    assertEquals(Optional.empty(), q.tryTake("m1"), "closed: nothing more handed out");
    assertFalse(q.finished());
  }

  @Test
  void aChunkThatFailsEveryTimeEndsTheQueueWithItsReason() throws Exception {
    ChunkQueue q = new ChunkQueue(lines(2).chunks(Set.of(), 1), clock, 2);
    List<String> machines = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      ChunkLease l = q.tryTake("m" + i).orElseThrow();
      machines.add(l.machine());
      q.giveBack(l, "engine exit code 1");
    }
    assertEquals(List.of("m0", "m1"), machines);
    assertTrue(
        q.failure().orElseThrow().contains("failed 2 times, last on m1: engine exit code 1"));
    assertEquals(Optional.empty(), q.tryTake("m2"));
  }
}
