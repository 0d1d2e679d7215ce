package dev.orchestrate.core.target;

import dev.orchestrate.core.run.Cancellation;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One engine invocation: the command line (placeholders already resolved), extra environment
 * variables, and the run's cancellation (Ctrl-C), which the target must honour by stopping the
 * engine and returning.
 */
public record EngineRequest(
    RunId runId, List<String> command, Map<String, String> environment, Cancellation cancellation) {
  public EngineRequest {
    Objects.requireNonNull(runId, "runId");
    command = List.copyOf(command);
    if (command.isEmpty()) {
      throw new IllegalArgumentException("empty engine command");
    }
    environment = environment == null ? Map.of() : Map.copyOf(environment);
    Objects.requireNonNull(cancellation, "cancellation");
  }
}
