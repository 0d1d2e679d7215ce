package dev.orchestrate.kubernetes;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** A client failure as our error: the API server's code and message, redacted, with a remedy. */
final class KubeErrors {
  private KubeErrors() {}

  static OrchestrateException of(String doing, KubernetesClientException e, Redactor redactor) {
    int code = e.getCode();
    String hint =
        switch (code) {
          case 401 ->
              "the kubeconfig's credentials were refused: renew them (`kubectl get pods` must work)";
          case 403 ->
              "your user may not do this in the namespace: `kubectl auth can-i create jobs`";
          case 404 -> "the namespace may not exist: `kubectl get namespace`";
          case 409 -> "an object of that name exists already: `orchestrate down` the earlier run";
          case 422 -> "the cluster refused the Job's spec; `orchestrate plan` shows what was sent";
          default -> "is the cluster reachable? `kubectl cluster-info` (docs/kubernetes.md)";
        };
    return new OrchestrateException(
        code == 0 ? ErrorCode.TRANSPORT : ErrorCode.PROVIDER,
        doing
            + " failed"
            + (code == 0 ? "" : " (HTTP " + code + ")")
            + ": "
            + redactor.redact(String.valueOf(e.getMessage())),
        hint,
        e);
  }
}
