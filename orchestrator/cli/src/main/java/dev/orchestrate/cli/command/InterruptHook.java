package dev.orchestrate.cli.command;

import dev.orchestrate.core.run.Cancellation;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT, SIGTERM) during a run: the JVM's shutdown hook cancels the run and then holds the
 * exit until the run has written its record (closing this hook) or {@code recordWait} has passed. A
 * run that ends on its own closes it, which takes the hook away again.
 */
final class InterruptHook implements AutoCloseable {
  private final CountDownLatch recorded = new CountDownLatch(1);
  private final Thread hook;

  private InterruptHook(Cancellation cancellation, Duration recordWait) {
    hook =
        new Thread(
            () -> {
              cancellation.cancel();
              try {
                recorded.await(recordWait.toMillis(), TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "orchestrate-interrupt");
  }

  /** Installs the hook for a run that {@code cancellation} stops. */
  static InterruptHook install(Cancellation cancellation, Duration recordWait) {
    InterruptHook h = new InterruptHook(cancellation, recordWait);
    Runtime.getRuntime().addShutdownHook(h.hook);
    return h;
  }

  /** The run's record is written: a running hook lets the JVM exit, an idle one is removed. */
  @Override
  public void close() {
    recorded.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // Ctrl-C: the hook is running and lets the JVM exit once the record is written
    }
  }
}
