package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.nio.file.Path;

/** A machine offered a host key other than the one pinned on first contact: we refuse to talk. */
public final class HostKeyChangedException extends OrchestrateException {
  private static final long serialVersionUID = 1L;

  public HostKeyChangedException(
      String machineId, String address, String pinned, String offered, Path pinFile) {
    super(
        ErrorCode.TRANSPORT,
        "the host key of "
            + machineId
            + " ("
            + address
            + ") has changed: pinned "
            + pinned
            + ", offered "
            + offered
            + ". Refusing to connect: this can be a man-in-the-middle attack",
        "if the machine was re-created on purpose, verify the new key out of band, then remove "
            + pinFile
            + " (or run `orchestrate down "
            + machineId
            + "`) and connect again");
  }
}
