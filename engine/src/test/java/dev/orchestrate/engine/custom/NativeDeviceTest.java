package dev.orchestrate.engine.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.engine.EngineException;
import org.junit.jupiter.api.Test;

class NativeDeviceTest {
  @Test
  void parsesTheDeviceNames() {
    assertEquals(NativeDevice.AUTO, NativeDevice.parse("auto", "test"));
    assertEquals(NativeDevice.CPU, NativeDevice.parse(" CPU ", "test"));
    assertEquals(NativeDevice.cuda(0), NativeDevice.parse("cuda", "test"));
    assertEquals(NativeDevice.cuda(3), NativeDevice.parse("cuda:3", "test"));
  }

  @Test
  void rejectsAnythingElseSayingWhere() {
    for (String bad : new String[] {"gpu", "cuda:", "cuda:-1", "cuda:x", ""}) {
      EngineException e =
          assertThrows(
              EngineException.class, () -> NativeDevice.parse(bad, "ORCHESTRATE_CUSTOM_DEVICE"));
      assertTrue(
          e.getMessage().startsWith("ORCHESTRATE_CUSTOM_DEVICE='" + bad + "'"), e::getMessage);
      assertEquals("use auto, cpu, cuda or cuda:N", e.hint());
    }
  }
}
