package dev.orchestrate.vastsim;

import java.io.IOException;

/** A running instance environment: something that answers SSH (or pretends to). */
interface Host {
  int port();

  /** Adds a key to the host's authorized keys (instance SSH key attach). */
  void authorize(String publicKey) throws IOException;

  /** The container log: what the onstart script printed. */
  String log();

  /** Stops everything the host runs; idempotent. */
  void stop();
}
