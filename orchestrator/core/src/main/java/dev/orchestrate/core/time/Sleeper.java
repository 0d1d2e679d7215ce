package dev.orchestrate.core.time;

import java.time.Duration;

/**
 * Waiting, injected so that polling loops and deadlines can be tested without real time passing.
 */
@FunctionalInterface
public interface Sleeper {
  void sleep(Duration duration) throws InterruptedException;

  static Sleeper system() {
    return d -> Thread.sleep(d.toMillis());
  }
}
