package dev.orchestrate.engine.hf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.orchestrate.engine.EngineException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The failure paths of the hf child process, with this machine's own python3 (which has no torch in
 * CI); the protocol itself runs on the GPU machine (bench/prompts/gpu-batch.sh, HF=1).
 */
class HfBackendTest {
  @Test
  void aPythonWithoutTorchEndsWithItsExitCodeAndAHint() throws Exception {
    Process probe = new ProcessBuilder("python3", "-c", "import torch").start();
    assumeFalse(probe.waitFor() == 0, "this machine has torch");
    EngineException e =
        assertThrows(EngineException.class, () -> HfBackend.start("python3", Path.of("s"), 64));
    assertTrue(e.getMessage().contains("stopped answering (exit code 3)"), e.getMessage());
    assertTrue(e.hint().contains("ENGINE_PYTHON"), e.hint());
  }

  @Test
  void aMissingInterpreterIsAClearError() {
    EngineException e =
        assertThrows(
            EngineException.class, () -> HfBackend.start("/nonexistent/python3", Path.of("s"), 64));
    assertTrue(e.getMessage().contains("cannot start /nonexistent/python3"), e.getMessage());
  }
}
