package dev.orchestrate.vast.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.hub.Pin;
import dev.orchestrate.hub.RepoFile;
import dev.orchestrate.hub.RepoRef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FetchPlanTest {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final String SHA = "a".repeat(64);
  private static final HubResolution.Resolved TWO_GIB =
      new HubResolution.Resolved(
          new RepoRef("allenai/OLMo-2-0425-1B", "main"),
          COMMIT,
          List.of(
              new RepoFile("config.json", 1024, "b".repeat(40), Optional.empty()),
              new RepoFile(
                  "model.safetensors", (2L << 30) - 1024, "c".repeat(40), Optional.of(SHA))));

  @Test
  void planSaysTheBytesGoFromTheHubToTheMachineAndHowLong() {
    String text =
        FetchPlan.detail(
            "hf://allenai/OLMo-2-0425-1B@main", Optional.of(TWO_GIB), Optional.empty());

    assertEquals(
        "Hub → machine: allenai/OLMo-2-0425-1B@"
            + COMMIT
            + " (2 files, 2.0 GiB), pulled on the machine by bin/engine assets pull,"
            + " sha256-verified and kept there (a second run moves 0 bytes); ~20 s at 100 MiB/s;"
            + " 0 bytes from this host",
        text);
    assertEquals(Duration.ofSeconds(20), FetchPlan.estimate(Optional.of(TWO_GIB)));
  }

  @Test
  void planWithoutTheHubSaysWhyTheSizeIsUnknown() {
    String text =
        FetchPlan.detail(
            "hf://allenai/OLMo-2-0425-1B@main",
            Optional.empty(),
            Optional.of("allenai/OLMo-2-0425-1B is gated (HTTP 401)"));

    assertEquals(
        "Hub → machine: hf://allenai/OLMo-2-0425-1B@main, pulled on the machine by bin/engine"
            + " assets pull (size unknown: allenai/OLMo-2-0425-1B is gated (HTTP 401)); 0 bytes"
            + " from this host",
        text);
    assertEquals(Duration.ofMinutes(10), FetchPlan.estimate(Optional.empty()));
  }

  @Test
  void theMachinesPinMustMatchTheListingResolvedHere() throws Exception {
    Pin good =
        new Pin(
            1,
            "allenai/OLMo-2-0425-1B",
            "main",
            COMMIT,
            "hub",
            List.of(
                new Pin.File("config.json", 1024, "d".repeat(64), "b".repeat(40)),
                new Pin.File("model.safetensors", (2L << 30) - 1024, SHA, "c".repeat(40))));
    ObjectNode staged =
        new ObjectMapper().createObjectNode().put("contentHash", good.contentHash());
    FetchOnTargetStep.check(TWO_GIB, good, staged);

    Pin otherBytes =
        new Pin(
            1,
            good.repo(),
            "main",
            COMMIT,
            "hub",
            List.of(
                good.files().get(0),
                new Pin.File("model.safetensors", (2L << 30) - 1024, "e".repeat(64), null)));
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () ->
                FetchOnTargetStep.check(
                    TWO_GIB,
                    otherBytes,
                    staged.deepCopy().put("contentHash", otherBytes.contentHash())));
    assertTrue(e.getMessage().contains("model.safetensors differs"), e.getMessage());

    Pin otherCommit = new Pin(1, good.repo(), "main", "f".repeat(40), "hub", good.files());
    e =
        assertThrows(
            OrchestrateException.class,
            () -> FetchOnTargetStep.check(TWO_GIB, otherCommit, staged));
    assertTrue(e.getMessage().contains("not allenai/OLMo-2-0425-1B@" + COMMIT), e.getMessage());
  }

  @Test
  void theRunsManifestIsThePinsFilesAndThePinItself() {
    Pin pin =
        new Pin(
            1,
            "allenai/OLMo-2-0425-1B",
            "main",
            COMMIT,
            "hub",
            List.of(new Pin.File("model.safetensors", 10, SHA, null)));
    byte[] bytes = "{\"schema\":1}".getBytes(StandardCharsets.UTF_8);

    var m = FetchOnTargetStep.manifestOf(pin, bytes);

    assertEquals(
        List.of(".pin.json", "model.safetensors"),
        m.entries().stream().map(x -> x.path()).sorted().toList());
    assertEquals(10 + bytes.length, m.totalBytes());
    assertEquals(SHA, m.get("model.safetensors").orElseThrow().sha256());
  }
}
