package dev.orchestrate.core.target;

import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.sync.Manifest;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link Target#acquire} needs: the run id (the label for everything created), the resolved
 * profile, this host's facts, the run's log folder ({@code logs/<run-id>/}), the staged assets
 * (absolute folder and its manifest, already built by the shared flow) and the cancellation.
 */
public record UpRequest(
    RunId runId,
    Profile profile,
    HostFacts host,
    Path runDir,
    Path assetsDir,
    Manifest assets,
    Cancellation cancellation) {
  public UpRequest {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(runDir, "runDir");
    Objects.requireNonNull(assetsDir, "assetsDir");
    Objects.requireNonNull(assets, "assets");
    Objects.requireNonNull(cancellation, "cancellation");
  }
}
