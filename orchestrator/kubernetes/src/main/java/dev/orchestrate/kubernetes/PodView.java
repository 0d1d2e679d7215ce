package dev.orchestrate.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What we read from one pod of the Job: its name, completion index, phase and, once its engine
 * container ended, how (exit code and Kubernetes' reason, e.g. OOMKilled).
 */
public record PodView(String name, int index, String phase, Optional<String> ended) {
  public static final String PENDING = "Pending";
  public static final String RUNNING = "Running";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";

  /** The view of {@code pod}; a pod without a completion index gets -1. */
  public static PodView of(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    Map<String, String> labels = pod.getMetadata().getLabels();
    String index =
        Optional.ofNullable(
                annotations == null ? null : annotations.get(RunLabels.COMPLETION_INDEX))
            .orElse(labels == null ? null : labels.get(RunLabels.COMPLETION_INDEX));
    int i;
    try {
      i = index == null ? -1 : Integer.parseInt(index);
    } catch (NumberFormatException e) {
      i = -1;
    }
    String phase =
        pod.getStatus() == null || pod.getStatus().getPhase() == null
            ? PENDING
            : pod.getStatus().getPhase();
    return new PodView(pod.getMetadata().getName(), i, phase, ended(pod));
  }

  /** {@code pod-3}: the source its log lines carry. */
  public String source() {
    return "pod-" + (index < 0 ? "?" : String.valueOf(index));
  }

  /** Whether its engine container has a log to read (started, or ended). */
  public boolean hasLog() {
    return !PENDING.equals(phase);
  }

  public boolean done() {
    return SUCCEEDED.equals(phase) || FAILED.equals(phase);
  }

  private static Optional<String> ended(Pod pod) {
    if (pod.getStatus() == null) {
      return Optional.empty();
    }
    List<ContainerStatus> statuses = pod.getStatus().getContainerStatuses();
    if (statuses == null) {
      return Optional.ofNullable(pod.getStatus().getReason());
    }
    for (ContainerStatus s : statuses) {
      if (JobManifest.ENGINE.equals(s.getName())
          && s.getState() != null
          && s.getState().getTerminated() != null) {
        ContainerStateTerminated t = s.getState().getTerminated();
        return Optional.of(
            "exit code "
                + t.getExitCode()
                + (t.getReason() == null || t.getReason().isBlank() ? "" : ", " + t.getReason()));
      }
    }
    return Optional.ofNullable(pod.getStatus().getReason());
  }
}
