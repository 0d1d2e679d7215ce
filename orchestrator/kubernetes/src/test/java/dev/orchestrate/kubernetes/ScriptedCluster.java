package dev.orchestrate.kubernetes;

import dev.orchestrate.core.time.Sleeper;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A {@link Sleeper} that, instead of waiting, makes the cluster's next move: each poll of the
 * target lets the test's script take one step (create a pod, change a phase, conclude the Job). A
 * target that polls more often than the script has moves fails the test instead of hanging.
 */
final class ScriptedCluster implements Sleeper {
  private final Deque<Runnable> moves = new ArrayDeque<>();
  private int slept;

  ScriptedCluster then(Runnable move) {
    moves.add(move);
    return this;
  }

  int slept() {
    return slept;
  }

  boolean done() {
    return moves.isEmpty();
  }

  @Override
  public void sleep(Duration duration) {
    slept++;
    Runnable next = moves.poll();
    if (next == null) {
      throw new AssertionError("the target polled " + slept + " times; the script has ended");
    }
    next.run();
  }
}
