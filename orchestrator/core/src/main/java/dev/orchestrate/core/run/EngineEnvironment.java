package dev.orchestrate.core.run;

import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.Profile;
import java.util.Map;
import java.util.TreeMap;

/**
 * The engine's extra environment for a profile: {@code engine.environment}, plus, for the custom
 * backend, {@value #CUSTOM_DEVICE}{@code =cuda} unless the profile allows a CPU fallback ({@code
 * engine.allowCpuFallback}): the engine then fails with the reason (no GPU, a library built without
 * CUDA, no code for the card) instead of quietly running on the CPU. A device the profile names
 * itself is kept.
 */
public final class EngineEnvironment {
  /** Where the custom backend runs: auto, cpu, cuda, cuda:N (the engine's NativeDevice). */
  public static final String CUSTOM_DEVICE = "ORCHESTRATE_CUSTOM_DEVICE";

  private EngineEnvironment() {}

  public static Map<String, String> of(Profile profile) {
    Map<String, String> env = new TreeMap<>(profile.engine().environment());
    if (profile.engine().backend() == EngineBackend.CUSTOM
        && !profile.engine().allowCpuFallback()) {
      env.putIfAbsent(CUSTOM_DEVICE, "cuda");
    }
    return env;
  }
}
