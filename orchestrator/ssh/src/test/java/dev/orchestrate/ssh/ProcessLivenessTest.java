package dev.orchestrate.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProcessLivenessTest {
  /** Log following and the idle watchdog must judge a process the same way. */
  @Test
  void logFollowingUsesTheSameCheck() {
    assertEquals(ProcessLiveness.ALIVE, LogFollower.ALIVE);
  }
}
