package dev.orchestrate.vast;

import dev.orchestrate.core.profile.BootstrapSection;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.EngineSection;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.TargetSection;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.profile.VastSection;

/** Vast profiles for target tests: one RTX 4090 at up to $0.60/h, as the simulator offers it. */
final class VastProfiles {
  private VastProfiles() {}

  /** A profile named {@code vast} renting {@code image} on offers that also match {@code query}. */
  static Profile rtx4090(String image, String query) {
    VastSection v =
        new VastSection(
            "RTX 4090", 1, 20.0, 0.60, 0.98, 40, image, null, query, 12.0, 2, true, null);
    return new Profile(
        "vast", "", new TargetSection(TargetType.VAST, v, null, null), null, null, null, null);
  }

  /**
   * {@link #rtx4090} with engine.backend {@code backend} and {@code allowCpuFallback}, and {@code
   * bootstrap} (null: the defaults).
   */
  static Profile rtx4090(
      String image, EngineBackend backend, Boolean allowCpuFallback, BootstrapSection bootstrap) {
    Profile p = rtx4090(image, null);
    EngineSection e = EngineSection.defaults();
    return new Profile(
        p.name(),
        p.description(),
        p.target(),
        bootstrap == null ? p.bootstrap() : bootstrap,
        p.assets(),
        new EngineSection(
            backend,
            e.command(),
            e.snapshotCommand(),
            e.snapshot(),
            e.prompt(),
            e.maxNewTokens(),
            e.seed(),
            e.environment(),
            e.prompts(),
            e.resumeFrom(),
            allowCpuFallback),
        p.logs());
  }
}
