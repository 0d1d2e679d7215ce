package dev.orchestrate.vast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.vast.client.CreateInstance;
import dev.orchestrate.vast.query.OfferQuery;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Destroy under VAST_DESTROY against the simulator, with its fault injection (issue 12, #3). */
class DestroyerTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private SimFixture fx;

  @BeforeEach
  void start() throws Exception {
    fx = SimFixture.apiOnly();
  }

  @AfterEach
  void stop() {
    fx.close();
  }

  private long rent() {
    long offer =
        fx.client
            .searchOffers(
                new OfferQuery("gpu_name=RTX_4090 num_gpus=1", "dph+", null, 5, 10, false).toJson())
            .get(0)
            .id();
    return fx.client
        .createInstance(
            offer,
            new CreateInstance("ubuntu:22.04", 10, "t-destroy", Map.of(), null, "ssh_direct", null))
        .instanceId();
  }

  private void failDestroys(int times, int status) throws Exception {
    fx.sim
        .faults()
        .update(
            mapper.readTree(
                "{\"serverErrorBurst\": "
                    + times
                    + ", \"serverErrorStatus\": "
                    + status
                    + ", \"serverErrorMatch\": \"^DELETE /api/v0/instances/\"}"));
  }

  @Test
  void aDestroyAnsweredWith500IsRepeatedUntilTheInstanceIsGone() throws Exception {
    long id = rent();
    assertEquals(List.of(id), fx.sim.billing().billingIds());
    failDestroys(2, 500);
    new Destroyer(fx.client, fx.retrier()).destroyAndVerify(id);
    assertTrue(fx.sim.billing().nothingBilling(), "billing_count 0");
    assertTrue(fx.client.showInstance(id).isEmpty());
    assertEquals(2, fx.sleeper.sleeps().size(), "one wait after each 500");
    assertTrue(
        fx.log.stream().anyMatch(l -> l.contains("HTTP 500") && l.contains("VAST_DESTROY")),
        fx.log.toString());
  }

  @Test
  void aDestroyThatKeepsFailingNamesTheInstanceThatMayStillBillAndHowToRemoveIt() throws Exception {
    long id = rent();
    failDestroys(1000, 500);
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> new Destroyer(fx.client, fx.retrier()).destroyAndVerify(id));
    assertEquals(ErrorCode.PROVIDER, e.code());
    assertTrue(e.getMessage().contains("instance " + id + " may still be billing"), e.getMessage());
    String hint = e.hint().orElseThrow();
    assertTrue(
        hint.contains("orchestrate down " + id) && hint.contains("vastai destroy instance " + id),
        hint);
    Duration waited = fx.sleeper.sleeps().stream().reduce(Duration.ZERO, Duration::plus);
    assertTrue(
        waited.compareTo(RetryPolicyName.VAST_DESTROY.maxTime()) <= 0
            && waited.compareTo(RetryPolicyName.VAST_DESTROY.maxTime().minusSeconds(40)) > 0,
        "it kept trying for the policy's deadline: " + waited);
    assertEquals(List.of(id), fx.sim.billing().billingIds());
  }
}
