package dev.orchestrate.kubernetes;

import dev.orchestrate.core.profile.KubernetesSection;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Kubernetes objects of a {@link JobDesign}: an Indexed Job (restartPolicy Never, so each
 * failure is a new pod the Job's backoff counts) whose pods run the engine container {@value
 * #ENGINE} with the GPUs requested and limited, the model at {@value #MODELS} (an emptyDir filled
 * by the {@value #PULL} init container, or the PVC read-only), the prompt shares at {@value
 * #PROMPTS} and a scratch {@value #RESULTS}; and the ConfigMap of shares.
 */
public final class JobManifest {
  public static final String ENGINE = "engine";
  public static final String PULL = "pull-model";
  public static final String GPU = "nvidia.com/gpu";
  static final String MODELS = "/models";
  static final String PROMPTS = "/prompts";
  static final String RESULTS = "/results";
  static final String HUB_SNAPSHOT = MODELS + "/snapshot";

  private JobManifest() {}

  /** Where the engine finds the snapshot inside the pod. */
  static String snapshotPath(KubernetesSection.Model model) {
    if (model.fromHub()) {
      return HUB_SNAPSHOT;
    }
    return model.path().isEmpty() ? MODELS : MODELS + "/" + model.path();
  }

  public static ConfigMap configMap(JobDesign d) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(d.configMapName())
        .withNamespace(d.namespace())
        .withLabels(d.labels())
        .endMetadata()
        .withData(d.shares().map(PromptShares::files).orElse(Map.of()))
        .build();
  }

  public static Job job(JobDesign d) {
    KubernetesSection k = d.section();
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    List<Container> init = new ArrayList<>();
    if (k.model().fromHub()) {
      volumes.add(new VolumeBuilder().withName("models").withNewEmptyDir().endEmptyDir().build());
      mounts.add(mount("models", MODELS, true));
      d.pin()
          .ifPresent(
              pin ->
                  init.add(
                      new ContainerBuilder()
                          .withName(PULL)
                          .withImage(k.image())
                          .withArgs("assets", "pull", pin.ref(), "--dir", HUB_SNAPSHOT)
                          .withEnv(hubToken(k.model()))
                          .withVolumeMounts(mount("models", MODELS, false))
                          .build()));
    } else {
      volumes.add(
          new VolumeBuilder()
              .withName("models")
              .withNewPersistentVolumeClaim(k.model().pvc(), true)
              .build());
      mounts.add(mount("models", MODELS, true));
    }
    if (d.shares().isPresent()) {
      volumes.add(
          new VolumeBuilder()
              .withName("prompts")
              .withNewConfigMap()
              .withName(d.configMapName())
              .endConfigMap()
              .build());
      mounts.add(mount("prompts", PROMPTS, true));
    }
    volumes.add(new VolumeBuilder().withName("results").withNewEmptyDir().endEmptyDir().build());
    mounts.add(mount("results", RESULTS, false));

    ResourceRequirementsBuilder resources = new ResourceRequirementsBuilder();
    if (k.gpus() > 0) {
      Quantity gpus = new Quantity(String.valueOf(k.gpus()));
      resources.addToRequests(GPU, gpus).addToLimits(GPU, gpus);
    }
    Container engine =
        new ContainerBuilder()
            .withName(ENGINE)
            .withImage(k.image())
            .withArgs(d.engineArgs())
            .withEnv(
                new TreeMap<>(d.engineEnv())
                    .entrySet().stream()
                        .map(
                            e ->
                                new EnvVarBuilder()
                                    .withName(e.getKey())
                                    .withValue(e.getValue())
                                    .build())
                        .toList())
            .withResources(resources.build())
            .withVolumeMounts(mounts)
            .build();

    return new JobBuilder()
        .withNewMetadata()
        .withName(d.name())
        .withNamespace(d.namespace())
        .withLabels(d.labels())
        .endMetadata()
        .withNewSpec()
        .withCompletionMode("Indexed")
        .withCompletions(d.completions())
        .withParallelism(d.parallelism())
        .withBackoffLimit(k.backoffLimit())
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(d.labels())
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withNodeSelector(k.nodeSelector().isEmpty() ? null : k.nodeSelector())
        .withTolerations(tolerations(k.tolerations()))
        .withRuntimeClassName(k.runtimeClassName())
        .withInitContainers(init)
        .withContainers(engine)
        .withVolumes(volumes)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static List<EnvVar> hubToken(KubernetesSection.Model model) {
    if (model.hubTokenSecretName() == null) {
      return List.of();
    }
    return List.of(
        new EnvVarBuilder()
            .withName("HF_TOKEN")
            .withNewValueFrom()
            .withNewSecretKeyRef("token", model.hubTokenSecretName(), false)
            .endValueFrom()
            .build());
  }

  private static List<Toleration> tolerations(List<KubernetesSection.Toleration> list) {
    return list.stream()
        .map(
            t ->
                new TolerationBuilder()
                    .withKey(t.key())
                    .withOperator(t.operator())
                    .withValue(t.value())
                    .withEffect(t.effect())
                    .build())
        .toList();
  }

  private static VolumeMount mount(String name, String path, boolean readOnly) {
    return new VolumeMountBuilder()
        .withName(name)
        .withMountPath(path)
        .withReadOnly(readOnly)
        .build();
  }
}
