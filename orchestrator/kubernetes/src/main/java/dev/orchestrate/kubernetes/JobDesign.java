package dev.orchestrate.kubernetes;

import dev.orchestrate.core.profile.KubernetesSection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the Job of one run is made of, in our words: its name and namespace, the labels it and
 * all it makes carry, the pods (image, GPUs, placement), the engine's arguments (after the image's
 * entrypoint) and environment (the profile's, as every target gives it: {@link
 * dev.orchestrate.core.run.EngineEnvironment}), where the model comes from (a pinned Hub pull, or a
 * PVC) and the prompt shares, one per completion index (none: one pod runs the profile's single
 * prompt).
 */
public record JobDesign(
    String name,
    String namespace,
    Map<String, String> labels,
    KubernetesSection section,
    int completions,
    int parallelism,
    List<String> engineArgs,
    Map<String, String> engineEnv,
    Optional<ModelPin> pin,
    Optional<PromptShares> shares) {
  public JobDesign {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(namespace, "namespace");
    labels = Map.copyOf(labels);
    Objects.requireNonNull(section, "section");
    if (completions < 1 || parallelism < 1 || parallelism > completions) {
      throw new IllegalArgumentException(completions + " completions, parallelism " + parallelism);
    }
    engineArgs = List.copyOf(engineArgs);
    engineEnv = Map.copyOf(engineEnv);
    pin = pin == null ? Optional.empty() : pin;
    shares = shares == null ? Optional.empty() : shares;
  }

  /** The ConfigMap holding the prompt shares. */
  public String configMapName() {
    return name + "-prompts";
  }
}
