package dev.orchestrate.vast.up;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.retry.MachineFault;
import dev.orchestrate.ssh.qualify.Qualification;

/**
 * A host that did not qualify: {@code hostFault} when another machine may do better (destroy,
 * remember as bad, try another), else the problem would follow us anywhere (the image).
 */
public final class QualificationFailure extends RuntimeException implements MachineFault {
  private static final long serialVersionUID = 1L;

  public final boolean hostFault;
  public final transient OrchestrateException error;

  public QualificationFailure(Qualification q) {
    super(String.join("; ", q.hostProblems()) + String.join("; ", q.imageProblems()));
    this.hostFault = q.imageProblems().isEmpty();
    java.util.List<String> all = new java.util.ArrayList<>(q.hostProblems());
    all.addAll(q.imageProblems());
    this.error =
        new OrchestrateException(
            ErrorCode.PROVIDER,
            "the host did not qualify: " + String.join("; ", all),
            hostFault
                ? "it was destroyed and its machine excluded; allow another try with"
                    + " target.vast.retryOtherMachine: true"
                : "the image lacks it: pick an image that has it (target.vast.image)");
  }

  @Override
  public boolean machineFault() {
    return hostFault;
  }
}
