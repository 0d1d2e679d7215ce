package dev.orchestrate.core.pyenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.host.CudaMatrix;
import dev.orchestrate.core.profile.TorchIndex;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TorchWheelsChooserTest {
  private final TorchWheelsChooser chooser = new TorchWheelsChooser(new CudaMatrix());

  @Test
  void anUnknownDriverGetsCuda128AsThePredecessorDid() {
    TorchWheels w = chooser.choose(TorchIndex.AUTO, Optional.empty(), Optional.empty());
    assertEquals("https://download.pytorch.org/whl/cu128", w.indexUrl());
    assertEquals(Optional.of("12.8"), w.cuda());
    assertEquals("cu128", w.tag());
  }

  @Test
  void theDriverPicksTheNewestWheelsItRuns() {
    assertEquals(
        "cu124", chooser.choose(TorchIndex.AUTO, Optional.of("12.5"), Optional.empty()).tag());
    assertEquals(
        "cu128", chooser.choose(TorchIndex.AUTO, Optional.of("13.0"), Optional.empty()).tag());
    assertEquals(
        "cpu", chooser.choose(TorchIndex.AUTO, Optional.of("11.4"), Optional.empty()).tag());
  }

  @Test
  void anExplicitIndexWinsOverTheDriver() {
    TorchWheels cpu = chooser.choose(TorchIndex.CPU, Optional.of("12.8"), Optional.empty());
    assertEquals("https://download.pytorch.org/whl/cpu", cpu.indexUrl());
    assertEquals(Optional.empty(), cpu.cuda());
    assertEquals(
        "cu118", chooser.choose(TorchIndex.CU118, Optional.of("12.8"), Optional.empty()).tag());
    assertEquals(
        Optional.of("11.8"),
        chooser.choose(TorchIndex.CU118, Optional.empty(), Optional.empty()).cuda());
  }

  @Test
  void pytorchImagesKeepTheirTorchUnlessTheProfileNamesAnIndex() {
    Optional<String> image = Optional.of("pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime");
    assertTrue(chooser.choose(TorchIndex.AUTO, Optional.of("12.8"), image).useInstalled());
    assertFalse(chooser.choose(TorchIndex.CU126, Optional.of("12.8"), image).useInstalled());
    assertFalse(
        chooser
            .choose(
                TorchIndex.AUTO,
                Optional.of("12.8"),
                Optional.of("nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04"))
            .useInstalled());
    assertTrue(TorchWheelsChooser.holdsTorch("docker.io/pytorch/pytorch@sha256:abc"));
  }
}
