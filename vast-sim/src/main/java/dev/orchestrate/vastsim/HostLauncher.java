package dev.orchestrate.vastsim;

import java.io.IOException;

/** Starts instance hosts; the simulator picks sshd processes, or no host at all (API only). */
interface HostLauncher {
  Host launch(HostSpec spec) throws IOException;

  /** What the simulator says in {@code status_msg} while a host of this kind runs. */
  String describe();
}
