package dev.orchestrate.kubernetes;

/**
 * Opens a cluster by kubeconfig context (empty: the current one) and namespace (empty: its own).
 */
@FunctionalInterface
public interface ClusterConnector {
  Cluster connect(String context, String namespace);
}
