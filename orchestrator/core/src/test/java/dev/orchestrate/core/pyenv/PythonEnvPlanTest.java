package dev.orchestrate.core.pyenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.profile.TorchIndex;
import java.util.List;
import org.junit.jupiter.api.Test;

class PythonEnvPlanTest {
  @Test
  void theShippedLockIsCountedAndNamed() {
    Lock hf = Lock.hf();
    List<String> pins = hf.pins();
    assertEquals("transformers==4.57.1", pins.get(0));
    assertTrue(pins.contains("tokenizers==0.22.1"), pins.toString());
    assertTrue(
        pins.stream().noneMatch(p -> p.startsWith("--") || p.startsWith("#")), pins.toString());
    String text = PythonEnvPlan.describe(hf, TorchIndex.CU128, false);
    assertTrue(
        text.startsWith(
            pins.size()
                + " locked packages from requirements-hf.lock with --require-hashes"
                + " (transformers==4.57.1, tokenizers==0.22.1, safetensors==0.7.0 and "
                + (pins.size() - 3)
                + " more)"),
        text);
    assertTrue(text.contains("torch cu128 (a few GB of wheels with its CUDA libraries)"), text);
    assertTrue(text.endsWith("on a fresh machine, one check when its marker matches"), text);
  }

  @Test
  void torchSaysWhereItComesFromAndTheTimeFollows() {
    Lock lock = new Lock("t.lock", "a==1 \\\n    --hash=sha256:00\n");
    assertTrue(
        PythonEnvPlan.describe(lock, TorchIndex.CPU, false)
            .contains("torch cpu (about 200 MB of wheels); 1-2 min"));
    assertTrue(
        PythonEnvPlan.describe(lock, TorchIndex.AUTO, false)
            .contains("torch for the machine's driver (cu128 when it reports none)"));
    String image = PythonEnvPlan.describe(lock, TorchIndex.AUTO, true);
    assertTrue(
        image.startsWith("1 locked package from t.lock with --require-hashes (a==1)"), image);
    assertTrue(image.contains("torch: the image's own, not downloaded; about a minute"), image);
  }
}
