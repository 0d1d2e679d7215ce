package dev.orchestrate.core.step;

import dev.orchestrate.core.plan.PlanText;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.HubPin;
import dev.orchestrate.core.run.StagedAssets;
import dev.orchestrate.core.sync.Manifest;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The staged snapshot on this host (created by {@code engine.snapshotCommand} when missing, or
 * pulled from the Hub when {@code assets.source} names weights its pin does not) and its manifest:
 * the first step of every target's list. With the weights fetched on the target ({@code
 * assets.fetch: target}) this host needs no copy: the step stages nothing and the machine's pull
 * step supplies the manifest of what it verified.
 */
public final class AssetsStep implements Step {
  private final StagedAssets staged;
  private final Profile profile;
  private final long bytes;
  private final boolean pinned;
  private final boolean onTarget;

  /** {@code projectDir}: where the plan measures the assets folder. */
  public AssetsStep(StagedAssets staged, Profile profile, Path projectDir) {
    this(staged, profile, projectDir, false);
  }

  /** {@code onTarget}: the machine pulls the {@code hf://} source itself; nothing to stage here. */
  public AssetsStep(StagedAssets staged, Profile profile, Path projectDir, boolean onTarget) {
    this.staged = staged;
    this.profile = profile;
    this.onTarget = onTarget;
    Path dir = projectDir.resolve(profile.assets().dir());
    this.bytes = PlanText.sizeOf(dir);
    this.pinned = HubPin.satisfies(dir, profile.assets().hubRef());
  }

  @Override
  public StepId id() {
    return StepId.ASSETS;
  }

  @Override
  public String title() {
    return "Check staged assets";
  }

  @Override
  public PlannedStep plan() {
    if (onTarget) {
      return planned(
          "nothing to stage here: the machine pulls "
              + profile.assets().source()
              + " itself (assets.fetch: target)",
          Duration.ofSeconds(1));
    }
    return planned(
        PlanText.assets(profile, bytes, pinned), Duration.ofSeconds(bytes < 0 || !pinned ? 10 : 2));
  }

  @Override
  public StepResult run(UpState state) throws Exception {
    if (onTarget) {
      return StepResult.skipped(
          state.withAssets(Manifest.empty()),
          "the machine pulls " + profile.assets().source() + " itself (assets.fetch: target)");
    }
    StagedAssets.Staged s = staged.prepare(state.profile(), state.cancellation(), state.events());
    Manifest m = s.manifest();
    return StepResult.ok(
        state.withAssets(m),
        (s.made().isEmpty() ? "" : s.made() + "; ")
            + m.entries().size()
            + " files, "
            + m.totalBytes()
            + " bytes, "
            + m.hash().substring(0, 19));
  }
}
