package dev.orchestrate.core.step;

import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import java.util.Optional;

/**
 * Asks the provider what became of a machine, when a step on it failed: a machine that is gone
 * (destroyed by {@code down}, its idle watchdog, the provider) ends the run at once with that
 * reason, not after retries that blame the network. Empty when it cannot tell.
 */
@FunctionalInterface
public interface MachineProbe {
  /** For targets whose machines do not vanish under a run (this host, an own ssh machine). */
  MachineProbe NONE = m -> Optional.empty();

  Optional<MachineStatus> state(Machine machine);
}
