package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.retry.Transience;
import dev.orchestrate.core.retry.Transient;
import dev.orchestrate.vast.client.VastApiException;
import dev.orchestrate.vast.client.VastClient;

/**
 * Destroys an instance and does not believe it until Vast says it is gone ({@code {"instances":
 * null}}). Destroy is idempotent, so destroy-and-look is repeated under {@link
 * RetryPolicyName#VAST_DESTROY}: every 5xx, rate limit and connection error, and an instance that
 * still shows. A failure here is loud and names the instance, because it keeps billing.
 */
public final class Destroyer {
  private final VastClient client;
  private final Retrier retrier;

  public Destroyer(VastClient client, Retrier retrier) {
    this.client = client;
    this.retrier = retrier;
  }

  public void destroyAndVerify(long instanceId) {
    try {
      retrier.run(
          RetryPolicyName.VAST_DESTROY,
          "destroy instance " + instanceId,
          () -> {
            client.destroyInstance(instanceId);
            if (client.showInstance(instanceId).isPresent()) {
              throw new StillThere(instanceId);
            }
          });
    } catch (VastApiException | StillThere e) {
      throw failed(instanceId, e);
    }
  }

  /** Vast accepted the destroy but still shows the instance: look again. */
  private static final class StillThere extends RuntimeException implements Transient {
    private static final long serialVersionUID = 1L;

    StillThere(long id) {
      super("Vast still shows instance " + id + " after destroying it");
    }

    @Override
    public Transience transience() {
      return Transience.PENDING;
    }
  }

  private static OrchestrateException failed(long id, Exception cause) {
    return new OrchestrateException(
        ErrorCode.PROVIDER,
        "Vast instance "
            + id
            + " may still be billing: destroying it did not succeed within "
            + human(RetryPolicyName.VAST_DESTROY)
            + " ("
            + cause.getMessage()
            + ")",
        "remove it with `orchestrate down "
            + id
            + "`, `vastai destroy instance "
            + id
            + "` or at https://cloud.vast.ai/instances/",
        cause);
  }

  private static String human(RetryPolicyName policy) {
    return policy.spec().maxAttempts()
        + " attempts or "
        + policy.maxTime().toMinutes()
        + " minutes";
  }
}
