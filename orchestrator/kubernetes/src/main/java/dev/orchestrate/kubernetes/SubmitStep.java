package dev.orchestrate.kubernetes;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.KubernetesSection;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.run.HubPin;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.TargetContext;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Creates the run's Job (and its prompts ConfigMap, then owned by the Job so the garbage collector
 * removes it with the Job). The machine, named after the Job, is in the ledger before anything is
 * created, so a crash between the two leaves nothing {@code down} cannot find. Plans without
 * connecting (and without drawing the project id, which only a create needs).
 */
final class SubmitStep implements Step {
  private final TargetContext context;
  private final ClusterConnector connector;
  private final JobPlanner planner;
  private final Profile profile;
  private final Supplier<String> projectTag;

  SubmitStep(
      TargetContext context,
      ClusterConnector connector,
      JobPlanner planner,
      Profile profile,
      Supplier<String> projectTag) {
    this.context = context;
    this.connector = connector;
    this.planner = planner;
    this.profile = profile;
    this.projectTag = projectTag;
  }

  @Override
  public StepId id() {
    return StepId.PROVISION;
  }

  @Override
  public String title() {
    return "Create the Kubernetes Job";
  }

  @Override
  public PlannedStep plan() {
    return planned(describe(profile, planner), Duration.ofSeconds(10));
  }

  /** The Job in words: pods, GPUs, image, placement, model and prompts. */
  static String describe(Profile p, JobPlanner planner) {
    KubernetesSection k = p.target().kubernetes();
    boolean prompts = planner.promptFile(p).isPresent();
    int pods = prompts ? k.completions() : 1;
    int parallel = prompts ? k.parallelism() : 1;
    StringBuilder s = new StringBuilder("Indexed Job of ");
    s.append(pods).append(pods == 1 ? " pod" : " pods");
    if (parallel < pods) {
      s.append(" (").append(parallel).append(" at once)");
    }
    s.append(", ")
        .append(k.gpus() == 0 ? "no GPU" : k.gpus() + " " + JobManifest.GPU)
        .append(" each, image ")
        .append(k.image())
        .append(", namespace ")
        .append(k.namespace() == null ? "(the context's)" : k.namespace())
        .append(", context ")
        .append(k.context() == null ? "(current)" : k.context());
    if (!k.nodeSelector().isEmpty()) {
      s.append(", nodeSelector ").append(new java.util.TreeMap<>(k.nodeSelector()));
    }
    if (!k.tolerations().isEmpty()) {
      s.append(", ").append(k.tolerations().size()).append(" tolerations");
    }
    if (k.runtimeClassName() != null) {
      s.append(", runtimeClass ").append(k.runtimeClassName());
    }
    s.append(", backoffLimit ").append(k.backoffLimit());
    s.append(
        k.model().fromHub()
            ? "; model pulled by an init container at the commit of "
                + p.snapshotDir()
                + "/"
                + HubPin.FILE_NAME
                + (planner.pinPresent(p)
                    ? ""
                    : " (missing: `orchestrate assets pull ORG/NAME` first)")
            : "; model from PVC " + k.model().pvc() + " (read-only)");
    s.append(
        prompts
            ? "; prompt file " + p.engine().prompts() + " split by completion index (ConfigMap)"
            : "; the profile's one prompt");
    return s.toString();
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.PROVIDER;
  }

  @Override
  public String hint() {
    return "check `kubectl auth can-i create jobs` in the namespace (docs/kubernetes.md)";
  }

  @Override
  public StepResult run(UpState state) {
    KubernetesSection k = state.profile().target().kubernetes();
    String projectTag = this.projectTag.get();
    try (Cluster cluster = connector.connect(k.context(), k.namespace())) {
      JobDesign d = planner.design(state.profile(), state.runId(), projectTag, cluster.namespace());
      Machine machine =
          Machine.local(
                  d.name(),
                  TargetType.KUBERNETES,
                  RunLabels.machineLabel(projectTag, state.runId().value()),
                  context.clock().instant(),
                  Map.of())
              .with(MachineAttributes.NAME, d.name())
              .with(MachineAttributes.IMAGE, k.image())
              .with(KubeAttributes.CONTEXT, cluster.context())
              .with(KubeAttributes.NAMESPACE, cluster.namespace())
              .with(KubeAttributes.RUN, state.runId().value())
              .with(KubeAttributes.PODS, (long) d.completions())
              .with(KubeAttributes.GPUS, (long) k.gpus());
      context.ledger().put(LedgerEntry.active(machine, state.runId(), context.clock().instant()));
      try {
        create(cluster, d);
      } catch (KubernetesClientException e) {
        OrchestrateException error =
            KubeErrors.of("creating Job " + d.name(), e, context.redactor());
        try { // what was made before the refusal (the ConfigMap) goes, then the ledger entry
          new JobCleaner(cluster).delete(d.name(), state.runId().value());
          context.ledger().remove(machine.id());
        } catch (KubernetesClientException again) {
          error.addSuppressed(again); // it stays in the ledger for `down`
        }
        throw error;
      }
      return StepResult.ok(
          state.withMachine(machine),
          d.name()
              + " in "
              + cluster.namespace()
              + (cluster.context().isEmpty() ? "" : " (" + cluster.context() + ")"));
    }
  }

  private static void create(Cluster cluster, JobDesign d) {
    var client = cluster.client();
    var ns = cluster.namespace();
    if (d.shares().isPresent()) {
      client.configMaps().inNamespace(ns).resource(JobManifest.configMap(d)).create();
    }
    Job job = client.batch().v1().jobs().inNamespace(ns).resource(JobManifest.job(d)).create();
    if (d.shares().isPresent()) {
      client
          .configMaps()
          .inNamespace(ns)
          .withName(d.configMapName())
          .edit(
              cm ->
                  new ConfigMapBuilder(cm)
                      .editMetadata()
                      .addToOwnerReferences(
                          new OwnerReferenceBuilder()
                              .withApiVersion("batch/v1")
                              .withKind("Job")
                              .withName(job.getMetadata().getName())
                              .withUid(job.getMetadata().getUid())
                              .withBlockOwnerDeletion(false)
                              .build())
                      .endMetadata()
                      .build());
    }
  }
}
