package dev.orchestrate.kubernetes;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.run.HubPin;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The revision the pods pull: read from the staged snapshot's pin file ({@code .pin.json}, written
 * by {@code orchestrate assets pull|import}) so the cluster fetches exactly the commit this host
 * staged and verified, never a branch that moved since.
 */
public record ModelPin(String repo, String commit) {
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final Pattern REPO = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9._-]+");

  public ModelPin {
    if (repo == null || !REPO.matcher(repo).matches()) {
      throw new IllegalArgumentException("not a Hub repo: " + repo);
    }
    if (commit == null || !COMMIT.matcher(commit).matches()) {
      throw new IllegalArgumentException("not a commit: " + commit);
    }
  }

  /** {@code repo@commit}, as {@code engine assets pull} takes it. */
  public String ref() {
    return repo + "@" + commit;
  }

  /** The pin of the snapshot in {@code snapshotDir} (core's {@link HubPin} reads the file). */
  public static ModelPin read(Path snapshotDir) {
    Path file = snapshotDir.resolve(HubPin.FILE_NAME);
    HubPin pin =
        HubPin.read(snapshotDir)
            .orElseThrow(
                () ->
                    new OrchestrateException(
                        ErrorCode.PROFILE,
                        "no readable pin file "
                            + file
                            + ": the kubernetes target pulls the pinned Hub revision in the pods",
                        "stage the model first with `orchestrate assets pull ORG/NAME` (it writes "
                            + HubPin.FILE_NAME
                            + "), or name a PVC that holds it in target.kubernetes.model.pvc"));
    try {
      return new ModelPin(pin.repo(), pin.commit());
    } catch (IllegalArgumentException e) {
      throw new OrchestrateException(
          ErrorCode.PROFILE,
          "the pin file " + file + " does not name a repo and a commit: " + e.getMessage(),
          "stage the model again with `orchestrate assets pull ORG/NAME`",
          e);
    }
  }
}
