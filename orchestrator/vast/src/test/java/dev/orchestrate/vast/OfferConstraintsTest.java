package dev.orchestrate.vast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.profile.VastSection;
import org.junit.jupiter.api.Test;

class OfferConstraintsTest {
  @Test
  void theImagesCudaVersionBecomesTheFloorUnlessTheProfileSetsOne() {
    assertEquals(
        12.8, OfferConstraints.cudaOfImage("nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04"));
    assertEquals(
        12.4, OfferConstraints.cudaOfImage("pytorch/pytorch:2.4.0-cuda12.4-cudnn9-runtime"));
    assertNull(OfferConstraints.cudaOfImage("ubuntu:22.04"));
    VastSection v =
        new VastSection(
            "RTX 4090",
            1,
            20.0,
            0.6,
            0.98,
            40,
            "nvidia/cuda:12.8.1-runtime",
            null,
            "",
            null,
            null,
            null,
            null);
    assertEquals(12.8, OfferConstraints.from(v).minCuda());
    VastSection pinned =
        new VastSection(
            "RTX 4090",
            1,
            20.0,
            0.6,
            0.98,
            40,
            "nvidia/cuda:12.8.1-runtime",
            null,
            "",
            12.2,
            null,
            null,
            null);
    assertEquals(12.2, OfferConstraints.from(pinned).minCuda());
  }

  @Test
  void noCeilingNoRental() {
    VastSection v =
        new VastSection(
            "RTX 4090", 1, null, null, null, null, null, null, null, null, null, null, null);
    OrchestrateException e =
        assertThrows(OrchestrateException.class, () -> OfferConstraints.from(v));
    assertEquals("target.vast.maxPricePerHour is not set", e.getMessage());
  }
}
