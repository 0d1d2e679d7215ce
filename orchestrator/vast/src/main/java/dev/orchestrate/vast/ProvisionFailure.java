package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.retry.MachineFault;

/** Why one attempt did not give us a ready machine; {@code machineFault} allows another machine. */
final class ProvisionFailure extends OrchestrateException implements MachineFault {
  private static final long serialVersionUID = 1L;

  final boolean machineFault;

  ProvisionFailure(String message, String hint, boolean machineFault, Throwable cause) {
    super(ErrorCode.PROVIDER, message, hint, cause);
    this.machineFault = machineFault;
  }

  @Override
  public boolean machineFault() {
    return machineFault;
  }
}
