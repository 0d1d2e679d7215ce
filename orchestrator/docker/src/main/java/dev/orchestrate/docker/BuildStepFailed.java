package dev.orchestrate.docker;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.util.List;

/**
 * A build step failed: which step (as the daemon names it, e.g. {@code Step 3/5 : RUN make}), the
 * daemon's error and the last lines of output, so the user sees why without digging.
 */
public final class BuildStepFailed extends OrchestrateException {
  private static final long serialVersionUID = 1L;

  private final String step;
  private final List<String> logTail;

  public BuildStepFailed(String image, String step, String error, List<String> logTail) {
    super(
        ErrorCode.IMAGE,
        "building image '"
            + image
            + "' failed at "
            + (step.isEmpty() ? "its first step" : step)
            + ": "
            + error
            + (logTail.isEmpty() ? "" : "\n--- last output ---\n" + String.join("\n", logTail)),
        "fix the step in images/"
            + image
            + "/ and build again; the full output is in logs/images/");
    this.step = step;
    this.logTail = List.copyOf(logTail);
  }

  public String step() {
    return step;
  }

  public List<String> logTail() {
    return logTail;
  }
}
