package dev.orchestrate.core.plan;

import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.Profile;
import java.nio.file.Path;
import java.util.Objects;

/** What planning needs: the profile, this host's facts and the project folder (for the assets). */
public record PlanRequest(Profile profile, HostFacts host, Path projectDir) {
  public PlanRequest {
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(projectDir, "projectDir");
  }
}
