package dev.orchestrate.kubernetes;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.TeardownStep;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.Owner;
import dev.orchestrate.core.target.ProjectTag;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.time.Sleeper;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The engine as a Kubernetes Indexed Job ({@code target.type: kubernetes}): {@code up} creates the
 * Job ({@link SubmitStep}), follows its pods and brings the results back ({@link RunJobStep}), and
 * for a one-shot run deletes it ({@link TeardownStep}). The cluster schedules, retries (the Job's
 * backoff) and places the pods; we do not. A machine is one run's Job; {@code down} deletes it and
 * what carries its run label, {@code gc} finds Jobs with our labels that the ledger lost. Nothing
 * here is billed by us: {@code plan} prices it at 0.
 */
public final class KubernetesTarget implements Target {
  private static final int GONE_CHECKS = 15;

  private final TargetContext context;
  private final KubeconfigConnector kubeconfig;
  private final ClusterConnector connector;

  public KubernetesTarget(TargetContext context) {
    this(context, new KubeconfigConnector(context.environment(), context.redactor()));
  }

  KubernetesTarget(TargetContext context, KubeconfigConnector connector) {
    this.context = context;
    this.kubeconfig = connector;
    this.connector = connector;
  }

  @Override
  public TargetType type() {
    return TargetType.KUBERNETES;
  }

  Sleeper sleeper() {
    return context.sleeper();
  }

  dev.orchestrate.core.error.Redactor redactor() {
    return context.redactor();
  }

  @Override
  public List<Step> steps(PlanRequest request) {
    JobPlanner planner = new JobPlanner(context.projectDir());
    return List.of(
        new SubmitStep(context, connector, planner, request.profile(), this::projectTag),
        new RunJobStep(this, planner, request.profile(), context.clock()),
        new TeardownStep(this, "delete the Job, its pods and its ConfigMap"));
  }

  @Override
  public Plan plan(PlanRequest request) {
    return Plan.of(
        request.profile().name(),
        type(),
        steps(request),
        List.of(
            "costs nothing here: the cluster is yours; orchestrate rents and bills nothing",
            "the image must be in a registry the cluster pulls from (docs/kubernetes.md)"));
  }

  /** A Job runs its pods once: another run is another Job. */
  @Override
  public List<Step> reuseSteps(PlanRequest request) {
    throw unsupported("run", "a Job runs its pods once; start another with `orchestrate up`");
  }

  private String projectTag() {
    return ProjectTag.of(context.stateDir(), context.projectDir());
  }

  Cluster connect(Machine m) {
    return connector.connect(m.get(KubeAttributes.CONTEXT), m.get(KubeAttributes.NAMESPACE));
  }

  /** Follows the machine's Job to its end (what the launch step does, without the results). */
  @Override
  public EngineResult runEngine(Machine machine, EngineRequest request, EventSink events) {
    try (Cluster cluster = connect(machine)) {
      JobFollower.Outcome o =
          new JobFollower(cluster, context.clock(), context.sleeper(), context.redactor())
              .follow(
                  machine.id(),
                  machine.get(KubeAttributes.RUN),
                  machine.get(KubeAttributes.PODS).intValue(),
                  request.cancellation(),
                  events);
      return new EngineResult(o.exitCode(), o.interrupted());
    }
  }

  @Override
  public MachineStatus status(Machine machine) {
    try (Cluster cluster = connect(machine)) {
      Job job =
          cluster
              .client()
              .batch()
              .v1()
              .jobs()
              .inNamespace(cluster.namespace())
              .withName(machine.id())
              .get();
      if (job == null) {
        return new MachineStatus(machine, MachineStatus.State.GONE, "no such Job", 0);
      }
      var s = job.getStatus();
      int active = s == null || s.getActive() == null ? 0 : s.getActive();
      int ok = s == null || s.getSucceeded() == null ? 0 : s.getSucceeded();
      int failed = s == null || s.getFailed() == null ? 0 : s.getFailed();
      String detail =
          active
              + " active, "
              + ok
              + "/"
              + machine.get(KubeAttributes.PODS)
              + " succeeded, "
              + failed
              + " failed, namespace "
              + cluster.namespace();
      boolean ended =
          s != null
              && s.getConditions() != null
              && s.getConditions().stream()
                  .anyMatch(
                      c ->
                          "True".equals(c.getStatus())
                              && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())));
      MachineStatus.State state =
          ended
              ? MachineStatus.State.STOPPED
              : active > 0 ? MachineStatus.State.RUNNING : MachineStatus.State.STARTING;
      return new MachineStatus(machine, state, detail, 0);
    } catch (KubernetesClientException e) {
      throw KubeErrors.of("reading Job " + machine.id(), e, context.redactor());
    }
  }

  /** Deletes the Job and what carries its run label, checks it is gone, forgets the machine. */
  @Override
  public void down(Machine machine, EventSink events) {
    String run = machine.get(KubeAttributes.RUN);
    try (Cluster cluster = connect(machine)) {
      JobCleaner cleaner = new JobCleaner(cluster);
      cleaner.delete(machine.id(), run);
      for (int i = 0; cleaner.remains(machine.id(), run); i++) {
        if (i >= GONE_CHECKS) {
          throw new OrchestrateException(
              ErrorCode.PROVIDER,
              "Job " + machine.id() + " or its pods are still there after deletion",
              "look with `kubectl get jobs,pods -l "
                  + RunLabels.RUN_ID
                  + "="
                  + run
                  + "`; it stays in the ledger");
        }
        context.sleeper().sleep(Duration.ofSeconds(2));
      }
    } catch (KubernetesClientException e) {
      throw KubeErrors.of("deleting Job " + machine.id(), e, context.redactor());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "interrupted", null, e);
    }
    context.ledger().remove(machine.id());
  }

  /** Jobs labelled by orchestrate in the current context's namespace that the ledger lacks. */
  @Override
  public List<Machine> leftovers(Set<String> tracked) {
    if (!kubeconfig.present()) {
      throw unsupported("gc", "there is no kubeconfig here, so no cluster to look in");
    }
    String project = projectTag();
    List<Machine> out = new ArrayList<>();
    try (Cluster cluster = connector.connect(null, null)) {
      for (Job job :
          cluster
              .client()
              .batch()
              .v1()
              .jobs()
              .inNamespace(cluster.namespace())
              .withLabel(RunLabels.MANAGED_BY, RunLabels.MANAGER)
              .list()
              .getItems()) {
        String name = job.getMetadata().getName();
        Map<String, String> labels = job.getMetadata().getLabels();
        String run = labels.getOrDefault(RunLabels.RUN_ID, "");
        if (tracked.contains(name) || run.isEmpty()) {
          continue;
        }
        var tag = RunLabels.projectOf(labels);
        Owner owner =
            tag.isEmpty()
                ? Owner.UNKNOWN_PROJECT
                : tag.get().equals(project) ? Owner.THIS_PROJECT : Owner.OTHER_PROJECT;
        Machine m =
            Machine.local(
                    name,
                    TargetType.KUBERNETES,
                    tag.map(t -> RunLabels.machineLabel(t, run)).orElse("orchestrate-" + run),
                    created(job),
                    Map.of())
                .with(MachineAttributes.NAME, name)
                .with(KubeAttributes.CONTEXT, cluster.context())
                .with(KubeAttributes.NAMESPACE, cluster.namespace())
                .with(KubeAttributes.RUN, run);
        out.add(owner.mark(m));
      }
    } catch (KubernetesClientException e) {
      throw KubeErrors.of("listing Jobs", e, context.redactor());
    }
    return out;
  }

  private Instant created(Job job) {
    String ts = job.getMetadata().getCreationTimestamp();
    try {
      return ts == null ? context.clock().instant() : OffsetDateTime.parse(ts).toInstant();
    } catch (RuntimeException e) {
      return context.clock().instant();
    }
  }
}
