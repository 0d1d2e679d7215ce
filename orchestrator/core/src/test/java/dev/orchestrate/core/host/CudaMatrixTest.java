package dev.orchestrate.core.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orchestrate.core.profile.CudaToolkit;
import dev.orchestrate.core.profile.TorchIndex;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CudaMatrixTest {
  private final CudaMatrix m = new CudaMatrix();

  @Test
  void driverToMaxCuda() {
    assertEquals(Optional.of("12.8"), m.maxCudaForDriver("570.124.06"));
    assertEquals(Optional.of("12.8"), m.maxCudaForDriver("570.26"));
    assertEquals(Optional.of("12.6"), m.maxCudaForDriver("570.25"));
    assertEquals(Optional.of("12.4"), m.maxCudaForDriver("550.54.15"));
    assertEquals(Optional.of("12.2"), m.maxCudaForDriver("535.104.05"));
    assertEquals(Optional.of("11.8"), m.maxCudaForDriver("520.61.05"));
    assertEquals(Optional.of("11.4"), m.maxCudaForDriver("470.82.01"));
    assertEquals(Optional.of("13.0"), m.maxCudaForDriver("580.65.06"));
    assertEquals(Optional.empty(), m.maxCudaForDriver("390.116"));
    assertEquals(Optional.empty(), m.maxCudaForDriver("unknown"));
  }

  @Test
  void toolkitAndWheels() {
    assertEquals(Optional.of("12.8"), m.toolkitFor("13.0"));
    assertEquals(Optional.of("12.6"), m.toolkitFor("12.6"));
    assertEquals(Optional.of("12.4"), m.toolkitFor("12.5"));
    assertEquals(Optional.of("11.8"), m.toolkitFor("12.0"));
    assertEquals(Optional.empty(), m.toolkitFor("11.7"));
    assertEquals(TorchIndex.CU124, m.torchIndexFor(Optional.of("12.4")));
    assertEquals(TorchIndex.CPU, m.torchIndexFor(Optional.empty()));
  }

  @Test
  void profileChoiceResolves() {
    assertEquals(Optional.of("12.8"), m.resolve(CudaToolkit.AUTO, Optional.empty()));
    assertEquals(Optional.of("12.1"), m.resolve(CudaToolkit.AUTO, Optional.of("12.2")));
    assertEquals(Optional.empty(), m.resolve(CudaToolkit.NONE, Optional.of("12.8")));
    assertEquals(Optional.of("12.4"), m.resolve(CudaToolkit.parse("12.4"), Optional.of("12.8")));
  }
}
