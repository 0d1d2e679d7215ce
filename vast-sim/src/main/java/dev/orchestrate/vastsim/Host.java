package dev.orchestrate.vastsim;

import java.io.IOException;

/** A running instance environment: something that answers SSH (or pretends to). */
interface Host {
  int port();

  /** Adds a key to the host's authorized keys (instance SSH key attach). */
  void authorize(String publicKey) throws IOException;

  /** The container log: what the onstart script printed. */
  String log();

  /**
   * Drops every SSH connection to the host (the server keeps listening), as a flaky network does;
   * returns how many were dropped. Hosts that cannot do it drop none.
   */
  default int dropConnections() {
    return 0;
  }

  /** Stops everything the host runs; idempotent. */
  void stop();
}
