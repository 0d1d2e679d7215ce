package dev.orchestrate.core.transport;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;

/**
 * The connection dropped in the middle of an operation. The operation's effect on the machine is
 * unknown; the transport reconnects on the next call, so callers resume idempotent work from what
 * they can verify (a byte offset, a manifest).
 */
public class ConnectionLostException extends OrchestrateException {
  private static final long serialVersionUID = 1L;

  public ConnectionLostException(Endpoint endpoint, String during, Throwable cause) {
    super(
        ErrorCode.TRANSPORT,
        "lost the connection to "
            + endpoint.machineId()
            + " ("
            + endpoint.address()
            + ") "
            + during,
        "check the machine is up and reachable; running the command again resumes where it stopped",
        cause);
  }
}
