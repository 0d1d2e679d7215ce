package dev.orchestrate.kubernetes;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.Progress;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.time.Sleeper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Watches one run's Job until it ends, by polling (every {@link #POLL}, through the injected {@link
 * Sleeper}: no watch connection to lose; an API server that stops answering is asked again for
 * {@link #MAX_UNREACHABLE} polls): says when a pod changes phase, follows each pod's log ({@link
 * PodLogs}), reports each failed pod once as a {@link Warning} (the Job retries it while its
 * backoff lasts), and ends on the Job's own verdict: condition {@code Complete}, or {@code Failed}
 * (backoff limit exceeded, deadline). Ctrl-C deletes the Job and its pods.
 */
final class JobFollower {
  static final Duration POLL = Duration.ofSeconds(2);

  /** Polls in a row the API server may fail (after the client's own retries) before we give up. */
  static final int MAX_UNREACHABLE = 15;

  /** How the Job ended: the pods that succeeded (one per index) or why it failed. */
  record Outcome(
      boolean complete,
      boolean interrupted,
      int exitCode,
      String detail,
      Map<Integer, PodView> succeeded) {}

  private final Cluster cluster;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Redactor redactor;

  JobFollower(Cluster cluster, Clock clock, Sleeper sleeper, Redactor redactor) {
    this.cluster = cluster;
    this.clock = clock;
    this.sleeper = sleeper;
    this.redactor = redactor;
  }

  Outcome follow(
      String jobName, String runId, int completions, Cancellation cancel, EventSink sink) {
    Object lock = new Object();
    // the pods' log threads and this loop emit at once; the sinks downstream expect one at a time
    EventSink events =
        e -> {
          synchronized (lock) {
            sink.accept(e);
          }
        };
    Map<String, String> phases = new HashMap<>();
    Set<String> failuresSeen = new HashSet<>();
    Map<Integer, PodView> succeeded = new TreeMap<>();
    int lastExit = 1;
    long lastDone = -1;
    int unreachable = 0;
    try (PodLogs logs = new PodLogs(cluster, events, clock)) {
      while (true) {
        if (cancel.isCancelled()) {
          new JobCleaner(cluster).delete(jobName, runId);
          return new Outcome(false, true, 130, "stopped by the user", succeeded);
        }
        Job job;
        List<PodView> pods;
        try {
          job =
              cluster
                  .client()
                  .batch()
                  .v1()
                  .jobs()
                  .inNamespace(cluster.namespace())
                  .withName(jobName)
                  .get();
          pods = job == null ? List.of() : pods(runId);
          unreachable = 0;
        } catch (KubernetesClientException e) {
          // the Job goes on without us: keep asking for a while before giving up on it
          if (++unreachable > MAX_UNREACHABLE) {
            throw KubeErrors.of("following Job " + jobName, e, redactor);
          }
          if (unreachable == 1) {
            events.accept(
                new Warning(
                    clock.instant(),
                    "the API server did not answer ("
                        + redactor.redact(String.valueOf(e.getMessage()))
                        + "); asking again",
                    "the Job runs on regardless; `orchestrate status` shows it"));
          }
          sleep();
          continue;
        }
        if (job == null) {
          return new Outcome(
              false,
              true,
              1,
              "the Job " + jobName + " is gone (deleted, or `orchestrate down`)",
              succeeded);
        }
        int backoffLimit =
            job.getSpec() == null || job.getSpec().getBackoffLimit() == null
                ? 6
                : job.getSpec().getBackoffLimit();
        for (PodView pod : pods) {
          String before = phases.put(pod.name(), pod.phase());
          if (!pod.phase().equals(before)) {
            events.accept(
                new Notice(
                    clock.instant(), pod.source() + " (" + pod.name() + "): " + pod.phase()));
          }
          logs.follow(pod);
          if (PodView.SUCCEEDED.equals(pod.phase()) && pod.index() >= 0) {
            succeeded.put(pod.index(), pod);
          }
          if (PodView.FAILED.equals(pod.phase()) && failuresSeen.add(pod.name())) {
            lastExit = exitCode(pod).orElse(lastExit);
            events.accept(
                new Warning(
                    clock.instant(),
                    pod.source()
                        + " ("
                        + pod.name()
                        + ") failed"
                        + pod.ended().map(e -> ": " + e).orElse("")
                        + " (failure "
                        + failuresSeen.size()
                        + " of the Job's backoffLimit "
                        + backoffLimit
                        + ")",
                    failuresSeen.size() <= backoffLimit
                        ? "the Job retries it in a new pod"
                        : "the backoff limit is spent: the Job fails"));
          }
        }
        long done = succeeded.size();
        if (done != lastDone) {
          events.accept(new Progress(clock.instant(), "launch", done, completions, "pods"));
          lastDone = done;
        }
        Optional<JobCondition> end = ended(job);
        if (end.isPresent()) {
          JobCondition c = end.get();
          if ("Complete".equals(c.getType())) {
            return new Outcome(true, false, 0, completions + " pods succeeded", succeeded);
          }
          String why =
              "the Job failed"
                  + (c.getReason() == null ? "" : " (" + c.getReason() + ")")
                  + (c.getMessage() == null ? "" : ": " + c.getMessage());
          events.accept(
              new Warning(
                  clock.instant(),
                  why,
                  "the pods' logs are above; `kubectl describe job " + jobName + "` says more"));
          return new Outcome(false, false, lastExit == 0 ? 1 : lastExit, why, succeeded);
        }
        sleep();
      }
    }
  }

  private List<PodView> pods(String runId) {
    List<Pod> items =
        cluster
            .client()
            .pods()
            .inNamespace(cluster.namespace())
            .withLabel(RunLabels.RUN_ID, runId)
            .list()
            .getItems();
    return items.stream()
        .map(PodView::of)
        .sorted(java.util.Comparator.comparingInt(PodView::index).thenComparing(PodView::name))
        .toList();
  }

  private static Optional<JobCondition> ended(Job job) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> "True".equals(c.getStatus()))
        .filter(c -> "Complete".equals(c.getType()) || "Failed".equals(c.getType()))
        .findFirst();
  }

  private static Optional<Integer> exitCode(PodView pod) {
    return pod.ended()
        .filter(e -> e.startsWith("exit code "))
        .map(e -> e.substring("exit code ".length()).split(",")[0])
        .flatMap(
            s -> {
              try {
                return Optional.of(Integer.parseInt(s.trim()));
              } catch (NumberFormatException x) {
                return Optional.empty();
              }
            });
  }

  private void sleep() {
    try {
      sleeper.sleep(POLL);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "interrupted", null, e);
    }
  }
}
