package dev.orchestrate.core.fleet;

import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.target.RunId;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One fleet run: its id and folder ({@code results.jsonl} lands there; a folder that has results
 * already is resumed), the profile, the prompt file, how many machines, the chunk size (null:
 * {@link PromptLines#defaultChunkSize}), the number of the first machine's label ({@code -r<n>}: a
 * resumed run goes on counting so that no label is used twice) and Ctrl-C.
 */
public record FleetRequest(
    RunId runId,
    Profile profile,
    HostFacts host,
    Path runDir,
    Path promptFile,
    int replicas,
    Integer chunkSize,
    int firstReplica,
    Cancellation cancellation) {
  public FleetRequest {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(runDir, "runDir");
    Objects.requireNonNull(promptFile, "promptFile");
    Objects.requireNonNull(cancellation, "cancellation");
    if (replicas < 1) {
      throw new IllegalArgumentException("replicas " + replicas);
    }
    if (chunkSize != null && chunkSize < 1) {
      throw new IllegalArgumentException("chunk size " + chunkSize);
    }
    if (firstReplica < 1) {
      throw new IllegalArgumentException("first replica " + firstReplica);
    }
  }
}
