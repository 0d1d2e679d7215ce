package dev.orchestrate.vast;

import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.target.RunId;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One {@code up} on Vast: the run (whose id labels the rental), what machine, which image with
 * which env and onstart script, our public key, how long to wait for SSH, how many machines to try
 * in all (2 = one other machine after a failure), and the project tag that goes in the label.
 */
public record ProvisionRequest(
    RunId runId,
    OfferConstraints constraints,
    String image,
    Map<String, String> env,
    String onstart,
    String publicKey,
    Duration readyTimeout,
    Duration pollInterval,
    int maxMachines,
    Cancellation cancellation,
    String project,
    int replica) {
  public ProvisionRequest {
    if (replica < 0) {
      throw new IllegalArgumentException("replica " + replica);
    }
    if (!dev.orchestrate.core.target.ProjectTag.valid(project)) {
      throw new IllegalArgumentException("not a project tag: " + project);
    }
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(constraints, "constraints");
    Objects.requireNonNull(image, "image");
    env = env == null ? Map.of() : Map.copyOf(env);
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(readyTimeout, "readyTimeout");
    Objects.requireNonNull(pollInterval, "pollInterval");
    cancellation = cancellation == null ? new Cancellation() : cancellation;
    if (maxMachines < 1) {
      throw new IllegalArgumentException("maxMachines must be at least 1");
    }
  }

  /** A single machine's request (not one of a fleet). */
  public ProvisionRequest(
      RunId runId,
      OfferConstraints constraints,
      String image,
      Map<String, String> env,
      String onstart,
      String publicKey,
      Duration readyTimeout,
      Duration pollInterval,
      int maxMachines,
      Cancellation cancellation,
      String project) {
    this(
        runId,
        constraints,
        image,
        env,
        onstart,
        publicKey,
        readyTimeout,
        pollInterval,
        maxMachines,
        cancellation,
        project,
        0);
  }

  /**
   * The label of attempt {@code n}: our prefix, the project, the run id, the fleet's replica (when
   * this is one of a fleet: each machine of a fleet has its own label) and the attempt.
   */
  public String label(int attempt) {
    return Labels.of(project, runId, replica, attempt);
  }
}
