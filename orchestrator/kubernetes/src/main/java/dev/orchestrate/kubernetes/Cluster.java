package dev.orchestrate.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Objects;

/**
 * An open connection to one cluster: the client, the kubeconfig context it came from (for the
 * record and {@code down} later) and the namespace everything of the run lives in.
 */
public record Cluster(KubernetesClient client, String context, String namespace)
    implements AutoCloseable {
  public Cluster {
    Objects.requireNonNull(client, "client");
    context = context == null ? "" : context;
    Objects.requireNonNull(namespace, "namespace");
  }

  @Override
  public void close() {
    client.close();
  }
}
