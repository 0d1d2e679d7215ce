package dev.orchestrate.kubernetes;

import dev.orchestrate.core.target.MachineAttribute;

/** What a kubernetes machine (one run's Job) carries from command to command. */
final class KubeAttributes {
  /** The kubeconfig context it was created through (empty: the current one then). */
  static final MachineAttribute<String> CONTEXT = MachineAttribute.text("context", "");

  static final MachineAttribute<String> NAMESPACE = MachineAttribute.text("namespace", "default");

  /** The run id its objects are labelled with. */
  static final MachineAttribute<String> RUN = MachineAttribute.text("runId", "");

  static final MachineAttribute<Long> PODS = MachineAttribute.number("pods", 1);
  static final MachineAttribute<Long> GPUS = MachineAttribute.number("gpusPerPod", 0);

  private KubeAttributes() {}
}
