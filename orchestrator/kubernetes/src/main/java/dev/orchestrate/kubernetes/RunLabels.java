package dev.orchestrate.kubernetes;

import dev.orchestrate.core.target.RunId;
import java.util.Map;
import java.util.Optional;

/**
 * The labels on everything a run creates (the Job, its pods through the template, the ConfigMap):
 * who made it, which run and which project ({@code p<8 hex>}, as status prints it), so {@code down}
 * deletes by run and {@code gc} tells this project's leftovers from another checkout's. The Job's
 * name is derived from the run id, short enough for Indexed pods' host names ({@code <job>-<i>}).
 */
public final class RunLabels {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "orchestrate";
  public static final String RUN_ID = "orchestrate.dev/run-id";
  public static final String PROJECT = "orchestrate.dev/project";

  /** Set by the Job controller on Indexed pods (label since 1.28, annotation since 1.21). */
  public static final String COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";

  static final int MAX_JOB_NAME = 52;

  private RunLabels() {}

  public static Map<String, String> of(RunId runId, String projectTag) {
    return Map.of(MANAGED_BY, MANAGER, RUN_ID, runId.value(), PROJECT, "p" + projectTag);
  }

  /** {@code orch-<run id>}, its middle cut when it would be too long (the random tail kept). */
  public static String jobName(RunId runId) {
    String name = "orch-" + runId.value();
    if (name.length() <= MAX_JOB_NAME) {
      return name;
    }
    String v = runId.value();
    String head = v.substring(0, MAX_JOB_NAME - "orch-".length() - 7).replaceAll("-+$", "");
    return "orch-" + head + "-" + v.substring(v.length() - 6);
  }

  /** The machine label status and gc show: vast's spelling ({@code orchestrate-p<tag>-<run>}). */
  public static String machineLabel(String projectTag, String runId) {
    return "orchestrate-p" + projectTag + "-" + runId;
  }

  /** The project tag in a {@value #PROJECT} value ({@code p1234abcd}); empty if it is not one. */
  public static Optional<String> projectOf(Map<String, String> labels) {
    String v = labels == null ? null : labels.get(PROJECT);
    return v != null && v.matches("p[0-9a-f]{8}") ? Optional.of(v.substring(1)) : Optional.empty();
  }
}
