package dev.orchestrate.hub;

import java.time.Duration;

/** Waits; injected so retry tests run instantly. */
@FunctionalInterface
public interface Sleeper {
  void sleep(Duration d) throws InterruptedException;

  static Sleeper system() {
    return d -> Thread.sleep(d.toMillis());
  }
}
