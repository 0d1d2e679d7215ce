package dev.orchestrate.kubernetes;

import io.fabric8.kubernetes.api.model.DeletionPropagation;

/**
 * Deletes what one run created, selected by name and by its run-id label only: the Job (its
 * dependants go with it: background propagation), then what still carries the label (pods the
 * garbage collector has not reached yet, the prompts ConfigMap). Nothing without the label is
 * touched.
 */
final class JobCleaner {
  private final Cluster cluster;

  JobCleaner(Cluster cluster) {
    this.cluster = cluster;
  }

  void delete(String jobName, String runId) {
    var ns = cluster.namespace();
    var client = cluster.client();
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns)
        .withName(jobName)
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();
    client.pods().inNamespace(ns).withLabel(RunLabels.RUN_ID, runId).delete();
    client.configMaps().inNamespace(ns).withLabel(RunLabels.RUN_ID, runId).delete();
  }

  /** Whether anything of the run is still there (the Job, or a pod or ConfigMap with its label). */
  boolean remains(String jobName, String runId) {
    var ns = cluster.namespace();
    var client = cluster.client();
    return client.batch().v1().jobs().inNamespace(ns).withName(jobName).get() != null
        || !client
            .pods()
            .inNamespace(ns)
            .withLabel(RunLabels.RUN_ID, runId)
            .list()
            .getItems()
            .isEmpty()
        || !client
            .configMaps()
            .inNamespace(ns)
            .withLabel(RunLabels.RUN_ID, runId)
            .list()
            .getItems()
            .isEmpty();
  }
}
