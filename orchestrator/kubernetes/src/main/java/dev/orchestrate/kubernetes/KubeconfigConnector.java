package dev.orchestrate.kubernetes;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads the kubeconfig the way kubectl finds it: the first existing file of {@code KUBECONFIG},
 * else {@code ~/.kube/config}; the current context unless one is named. Every credential it holds
 * (token, password, client key) is registered with the {@link Redactor} before anything can print
 * an error, and none is ever put in a message.
 */
public final class KubeconfigConnector implements ClusterConnector {
  static final int REQUEST_RETRIES = 3;

  private final Map<String, String> environment;
  private final Redactor redactor;

  public KubeconfigConnector(Map<String, String> environment, Redactor redactor) {
    this.environment = Map.copyOf(environment);
    this.redactor = redactor;
  }

  /** Where kubectl would look, in order. */
  List<Path> candidates() {
    List<Path> out = new ArrayList<>();
    String list = environment.getOrDefault("KUBECONFIG", "");
    for (String part : list.split(File.pathSeparator)) {
      if (!part.isBlank()) {
        out.add(Path.of(part));
      }
    }
    if (out.isEmpty()) {
      String home = environment.getOrDefault("HOME", System.getProperty("user.home"));
      out.add(Path.of(home, ".kube", "config"));
    }
    return out;
  }

  /** Whether there is a kubeconfig to read at all. */
  public boolean present() {
    return candidates().stream().anyMatch(Files::isRegularFile);
  }

  @Override
  public Cluster connect(String context, String namespace) {
    List<Path> files = candidates();
    Path file =
        files.stream()
            .filter(Files::isRegularFile)
            .findFirst()
            .orElseThrow(
                () ->
                    new OrchestrateException(
                        ErrorCode.PROFILE,
                        "no kubeconfig found (looked at "
                            + files.stream().map(Path::toString).collect(Collectors.joining(", "))
                            + ")",
                        "set KUBECONFIG to your cluster's kubeconfig, or check `kubectl config"
                            + " current-context` works (docs/kubernetes.md)"));
    String wanted = context == null || context.isBlank() ? null : context;
    Config config;
    try {
      config = Config.fromKubeconfig(wanted, file.toFile());
    } catch (RuntimeException e) {
      throw new OrchestrateException(
          ErrorCode.PROFILE,
          "cannot read the kubeconfig "
              + file
              + ": "
              + redactor.redact(String.valueOf(e.getMessage())),
          "check it with `kubectl config view` (docs/kubernetes.md)",
          e);
    }
    registerSecrets(config);
    List<String> names =
        config.getContexts() == null
            ? List.of()
            : config.getContexts().stream().map(NamedContext::getName).sorted().toList();
    if (wanted != null && !names.contains(wanted)) {
      throw new OrchestrateException(
          ErrorCode.PROFILE,
          "no context '" + wanted + "' in the kubeconfig " + file + " (it has: " + names + ")",
          "set target.kubernetes.context to one of them, or leave it out for the current context");
    }
    String contextName =
        wanted != null
            ? wanted
            : config.getCurrentContext() == null ? "" : config.getCurrentContext().getName();
    String ns =
        namespace != null && !namespace.isBlank()
            ? namespace
            : config.getNamespace() == null || config.getNamespace().isBlank()
                ? "default"
                : config.getNamespace();
    config.setNamespace(ns);
    // an unreachable API server should fail a command in seconds, not after ten backoffs
    config.setRequestRetryBackoffLimit(REQUEST_RETRIES);
    return new Cluster(new KubernetesClientBuilder().withConfig(config).build(), contextName, ns);
  }

  private void registerSecrets(Config config) {
    for (String secret :
        new String[] {
          config.getOauthToken(),
          config.getAutoOAuthToken(),
          config.getPassword(),
          config.getClientKeyData(),
          config.getClientKeyPassphrase()
        }) {
      if (secret != null && !secret.isBlank()) {
        redactor.register(secret);
      }
    }
  }
}
