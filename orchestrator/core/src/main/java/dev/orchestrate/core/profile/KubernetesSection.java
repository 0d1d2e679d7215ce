package dev.orchestrate.core.profile;

import static dev.orchestrate.core.profile.InvalidValue.check;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Kubernetes target ({@code target.kubernetes}): an Indexed Job of {@code completions} pods, at
 * most {@code parallelism} at once, each running the engine image ({@code image}, required: the one
 * {@code orchestrate build} made and the user pushed to a registry the cluster pulls from) with
 * {@code gpus} GPUs ({@code nvidia.com/gpu} request and limit). {@code context} picks a kubeconfig
 * context other than the current one; {@code namespace} defaults to the context's, else {@code
 * default}. {@code nodeSelector}, {@code tolerations} and {@code runtimeClassName} go to the pods
 * as written. The model comes from the Hub, pinned by the staged snapshot's {@code .pin.json} (an
 * init container pulls it), or from a PersistentVolumeClaim that holds it ({@code model.pvc}).
 * {@code backoffLimit} is how many pod failures the Job retries before the run fails.
 */
public record KubernetesSection(
    String context,
    String namespace,
    String image,
    Integer gpus,
    Map<String, String> nodeSelector,
    List<Toleration> tolerations,
    String runtimeClassName,
    Integer parallelism,
    Integer completions,
    Integer backoffLimit,
    Model model) {

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  /**
   * Where the pods find the model. {@code pvc}: a PersistentVolumeClaim mounted read-only, the
   * snapshot at {@code path} inside it; absent: an init container pulls the pinned Hub revision
   * ({@code hubTokenSecretName}: a Secret with key {@code token} for gated repos, read only by the
   * cluster).
   */
  public record Model(String pvc, String path, String hubTokenSecretName) {
    public Model {
      check(
          pvc == null || DNS_SUBDOMAIN.matcher(pvc).matches(),
          "pvc",
          "must be a PersistentVolumeClaim name (lower-case letters, digits, '-' and '.')");
      path = path == null ? "" : path;
      check(
          !path.startsWith("/") && !path.contains(".."),
          "path",
          "must be relative to the volume's root, without '..'");
      check(
          hubTokenSecretName == null || DNS_SUBDOMAIN.matcher(hubTokenSecretName).matches(),
          "hubTokenSecretName",
          "must be a Secret name (lower-case letters, digits, '-' and '.')");
    }

    /** Whether an init container pulls the model from the Hub (no PVC named). */
    public boolean fromHub() {
      return pvc == null;
    }
  }

  /** One pod toleration, as Kubernetes spells it. */
  public record Toleration(String key, String operator, String value, String effect) {
    private static final Set<String> OPERATORS = Set.of("Exists", "Equal");
    private static final Set<String> EFFECTS =
        Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");

    public Toleration {
      operator = operator == null ? "Equal" : operator;
      check(OPERATORS.contains(operator), "operator", "must be Exists or Equal");
      check(
          !"Exists".equals(operator) || value == null,
          "value",
          "must be left out with operator Exists");
      check(
          !"Equal".equals(operator) || (key != null && !key.isBlank()),
          "key",
          "required with operator Equal");
      check(
          effect == null || EFFECTS.contains(effect),
          "effect",
          "must be NoSchedule, PreferNoSchedule or NoExecute (or left out: all effects)");
    }
  }

  public KubernetesSection {
    check(context == null || !context.isBlank(), "context", "must name a kubeconfig context");
    check(
        namespace == null || DNS_LABEL.matcher(namespace).matches(),
        "namespace",
        "must be a namespace name (lower-case letters, digits and '-', at most 63)");
    gpus = gpus == null ? 1 : gpus;
    check(gpus >= 0 && gpus <= 16, "gpus", "must be between 0 and 16 (0: CPU pods)");
    nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
    check(
        nodeSelector.keySet().stream().noneMatch(String::isBlank),
        "nodeSelector",
        "keys must not be blank");
    tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
    check(
        runtimeClassName == null || DNS_SUBDOMAIN.matcher(runtimeClassName).matches(),
        "runtimeClassName",
        "must be a RuntimeClass name such as nvidia");
    parallelism = parallelism == null ? 1 : parallelism;
    check(parallelism >= 1 && parallelism <= 1000, "parallelism", "must be between 1 and 1000");
    completions = completions == null ? parallelism : completions;
    check(
        completions >= parallelism && completions <= 1000,
        "completions",
        "must be at least parallelism (" + parallelism + ") and at most 1000");
    backoffLimit = backoffLimit == null ? 3 : backoffLimit;
    check(backoffLimit >= 0 && backoffLimit <= 100, "backoffLimit", "must be between 0 and 100");
    model = model == null ? new Model(null, null, null) : model;
  }
}
