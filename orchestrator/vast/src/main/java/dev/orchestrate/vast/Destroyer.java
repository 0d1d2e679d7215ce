package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.time.Sleeper;
import dev.orchestrate.vast.client.VastApiException;
import dev.orchestrate.vast.client.VastClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Destroys an instance and does not believe it until Vast says it is gone ({@code {"instances":
 * null}}). Destroy itself is idempotent, so it is retried; a failure here is loud, because an
 * instance we failed to destroy keeps billing.
 */
public final class Destroyer {
  private final VastClient client;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Duration timeout;
  private final Duration poll;

  public Destroyer(
      VastClient client, Clock clock, Sleeper sleeper, Duration timeout, Duration poll) {
    this.client = client;
    this.clock = clock;
    this.sleeper = sleeper;
    this.timeout = timeout;
    this.poll = poll;
  }

  public void destroyAndVerify(long instanceId) {
    Instant deadline = clock.instant().plus(timeout);
    VastApiException last = null;
    while (true) {
      try {
        client.destroyInstance(instanceId);
        if (client.showInstance(instanceId).isEmpty()) {
          return;
        }
      } catch (VastApiException e) {
        if (!e.retryable()) {
          throw failed(instanceId, e);
        }
        last = e;
      }
      if (!clock.instant().isBefore(deadline)) {
        throw failed(instanceId, last);
      }
      try {
        sleeper.sleep(poll);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failed(instanceId, e);
      }
    }
  }

  private static OrchestrateException failed(long id, Exception cause) {
    return new OrchestrateException(
        ErrorCode.PROVIDER,
        "could not verify that Vast instance "
            + id
            + " is destroyed"
            + (cause == null ? "" : ": " + cause.getMessage()),
        "it may still be billing: run `orchestrate down` again or `vastai destroy instance "
            + id
            + "`",
        cause);
  }
}
