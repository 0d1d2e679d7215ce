package dev.orchestrate.vast.up;

import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.Connector;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.sync.EnvCache;
import dev.orchestrate.sync.EnvSpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * The work of the vast {@code env} step: the engine runtime installed by fingerprint through {@link
 * EnvCache} (skipped when the marker on the machine matches), and {@code orchestrate/bin/engine}
 * pointing at it. Returns the fingerprint for the run record.
 */
public final class EnvStep {
  private final Connector connector;
  private final EngineRuntime runtime;
  private final Clock clock;
  private final Cancellation cancellation;

  /**
   * @param cancellation Ctrl-C stops the archive upload within a read ({@link EnvCache})
   */
  public EnvStep(
      Connector connector, EngineRuntime runtime, Clock clock, Cancellation cancellation) {
    this.connector = connector;
    this.runtime = runtime;
    this.clock = clock;
    this.cancellation = cancellation;
  }

  /** The CUDA major version of a qualified host's driver ("none" without one). */
  public static String cudaMajor(Qualification q) {
    return q.driverCuda().map(c -> Integer.toString(c.intValue())).orElse("none");
  }

  /** The runtime's fingerprint, and whether the machine had it already. */
  public record Outcome(String fingerprint, boolean upToDate) {}

  /**
   * @param cudaMajor the host driver's CUDA major ({@link #cudaMajor}), part of the fingerprint
   */
  public Outcome install(Endpoint endpoint, String image, String cudaMajor, EventSink events)
      throws java.io.IOException {
    EnvSpec spec = runtime.spec(image, cudaMajor, events, clock);
    EnvCache.Outcome outcome;
    try (Transport t = connector.connect(endpoint)) {
      LeaseKeeper.renew(t); // we are here: the watchdog's idle clock starts again
      outcome = new EnvCache(events, clock, cancellation).ensure(t, spec);
      t.run(
          Command.of(
                  "mkdir -p orchestrate/bin && cat > orchestrate/bin/engine.tmp && chmod 755"
                      + " orchestrate/bin/engine.tmp && mv -f orchestrate/bin/engine.tmp"
                      + " orchestrate/bin/engine")
              .withStdin(EngineRuntime.SHIM.getBytes(StandardCharsets.UTF_8)));
    }
    return new Outcome(spec.fingerprint(), outcome == EnvCache.Outcome.UP_TO_DATE);
  }
}
