package dev.orchestrate.runtime;

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
 * The work of an {@code env} step that ships the engine: the engine runtime installed by
 * fingerprint through {@link EnvCache} (skipped when the marker on the machine matches), and {@code
 * orchestrate/bin/engine} pointing at it. Returns the fingerprint for the run record.
 */
public final class RuntimeInstall {
  /** What to do on the install's connection before anything is sent (a rental renews its lease). */
  @FunctionalInterface
  public interface OnConnect {
    void accept(Transport transport) throws java.io.IOException;
  }

  private final Connector connector;
  private final EngineRuntime runtime;
  private final Clock clock;
  private final Cancellation cancellation;
  private final OnConnect onConnect;

  /**
   * @param cancellation Ctrl-C stops the archive upload within a read ({@link EnvCache})
   */
  public RuntimeInstall(
      Connector connector,
      EngineRuntime runtime,
      Clock clock,
      Cancellation cancellation,
      OnConnect onConnect) {
    this.connector = connector;
    this.runtime = runtime;
    this.clock = clock;
    this.cancellation = cancellation;
    this.onConnect = onConnect;
  }

  /** The runtime's fingerprint, and whether the machine had it already. */
  public record Outcome(String fingerprint, boolean upToDate) {}

  /**
   * @param image what the machine runs (an image digest, or a host name for a machine we do not
   *     create), part of the fingerprint
   * @param cudaMajor the host driver's CUDA major ("none" without one), part of the fingerprint
   */
  public Outcome install(Endpoint endpoint, String image, String cudaMajor, EventSink events)
      throws java.io.IOException {
    EnvSpec spec = runtime.spec(image, cudaMajor, events, clock);
    EnvCache.Outcome outcome;
    try (Transport t = connector.connect(endpoint)) {
      onConnect.accept(t);
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
