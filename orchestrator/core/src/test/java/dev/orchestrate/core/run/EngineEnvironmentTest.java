package dev.orchestrate.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.ProfileCatalog;
import dev.orchestrate.core.profile.ProfileLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineEnvironmentTest {
  @TempDir Path dir;

  private Profile profile(String engine) throws IOException {
    Files.writeString(dir.resolve("p.yaml"), "target:\n  type: local\nengine:\n" + engine);
    return new ProfileLoader(
            new ProfileCatalog(
                new ClassLoader(null) {}, List.of(new ProfileCatalog.Folder(dir, "p"))),
            Map.of())
        .load("p")
        .profile();
  }

  @Test
  void theCustomBackendMustGetTheGpuUnlessTheProfileAllowsTheCpu() throws IOException {
    assertEquals(
        Map.of("ORCHESTRATE_CUSTOM_DEVICE", "cuda"),
        EngineEnvironment.of(profile("  backend: custom\n")));
    assertEquals(
        Map.of(), EngineEnvironment.of(profile("  backend: custom\n  allowCpuFallback: true\n")));
  }

  @Test
  void aDeviceTheProfileNamesAndOtherBackendsAreLeftAlone() throws IOException {
    assertEquals(
        Map.of("ORCHESTRATE_CUSTOM_DEVICE", "cuda:1", "X", "y"),
        EngineEnvironment.of(
            profile(
                "  backend: custom\n  environment:\n    ORCHESTRATE_CUSTOM_DEVICE: cuda:1\n    X: y\n")));
    assertFalse(
        EngineEnvironment.of(profile("  backend: reference\n"))
            .containsKey(EngineEnvironment.CUSTOM_DEVICE));
    assertFalse(
        EngineEnvironment.of(profile("  backend: hf\n"))
            .containsKey(EngineEnvironment.CUSTOM_DEVICE));
  }
}
