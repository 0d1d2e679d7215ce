package dev.orchestrate.core.step;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.prompts.PromptRun;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.run.Teardown;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.UpRequest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one run of {@code up} knows at a point between two steps: its inputs (run id, profile, host,
 * folders, cancellation, where events go, whether to tear down) and what the steps so far made (the
 * assets' manifest, the machine, the engine's result, the cost) and, with a prompt file, its {@link
 * PromptRun}. Immutable: each step returns the next state. {@code held} are things kept open across
 * steps (a lease), closed by the runner when the run ends.
 */
public record UpState(
    RunId runId,
    Profile profile,
    HostFacts host,
    Path runDir,
    Path assetsDir,
    Cancellation cancellation,
    EventSink events,
    Teardown teardown,
    Optional<Manifest> assets,
    Optional<Machine> machine,
    Optional<EngineResult> result,
    Optional<PromptRun> prompts,
    Map<String, AutoCloseable> held) {
  public UpState {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(runDir, "runDir");
    Objects.requireNonNull(assetsDir, "assetsDir");
    Objects.requireNonNull(cancellation, "cancellation");
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(teardown, "teardown");
    assets = assets == null ? Optional.empty() : assets;
    machine = machine == null ? Optional.empty() : machine;
    result = result == null ? Optional.empty() : result;
    prompts = prompts == null ? Optional.empty() : prompts;
    held =
        java.util.Collections.unmodifiableMap(new LinkedHashMap<>(held == null ? Map.of() : held));
  }

  /** A run about to start: nothing made yet. */
  public static UpState start(
      RunId runId,
      Profile profile,
      HostFacts host,
      Path runDir,
      Path assetsDir,
      Cancellation cancellation,
      EventSink events,
      Teardown teardown) {
    return new UpState(
        runId,
        profile,
        host,
        runDir,
        assetsDir,
        cancellation,
        events,
        teardown,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Map.of());
  }

  /** The state of a run whose assets are staged already ({@code Target.acquire}). */
  public static UpState of(UpRequest request, EventSink events) {
    return start(
            request.runId(),
            request.profile(),
            request.host(),
            request.runDir(),
            request.assetsDir(),
            request.cancellation(),
            events,
            Teardown.KEEP)
        .withAssets(request.assets());
  }

  public UpState withAssets(Manifest manifest) {
    return copy(cancellation, events, Optional.of(manifest), machine, result, prompts, held);
  }

  public UpState withMachine(Machine m) {
    return copy(cancellation, events, assets, Optional.of(m), result, prompts, held);
  }

  public UpState withoutMachine() {
    return copy(cancellation, events, assets, Optional.empty(), result, prompts, held);
  }

  public UpState withResult(EngineResult r) {
    return copy(cancellation, events, assets, machine, Optional.of(r), prompts, held);
  }

  /** The same state with the run's prompt file, which the launch step stages and follows. */
  public UpState withPrompts(Optional<PromptRun> run) {
    return copy(cancellation, events, assets, machine, result, run, held);
  }

  /** The same state whose work stops on {@code c} (the runner's per-step signal). */
  public UpState withCancellation(Cancellation c) {
    return copy(c, events, assets, machine, result, prompts, held);
  }

  /** The same state whose events go to {@code sink}. */
  public UpState withEvents(EventSink sink) {
    return copy(cancellation, sink, assets, machine, result, prompts, held);
  }

  /** This state, also holding {@code resource} open under {@code name} until the run ends. */
  public UpState holding(String name, AutoCloseable resource) {
    Map<String, AutoCloseable> more = new LinkedHashMap<>(held);
    more.put(name, resource);
    return copy(cancellation, events, assets, machine, result, prompts, more);
  }

  /** This run's inputs with these parts that change between steps. */
  private UpState copy(
      Cancellation c,
      EventSink e,
      Optional<Manifest> a,
      Optional<Machine> m,
      Optional<EngineResult> r,
      Optional<PromptRun> p,
      Map<String, AutoCloseable> h) {
    return new UpState(runId, profile, host, runDir, assetsDir, c, e, teardown, a, m, r, p, h);
  }

  /** The machine the steps so far made ready; a step that needs one before it exists is a bug. */
  public Machine requireMachine() {
    return machine.orElseThrow(() -> new IllegalStateException("no machine yet"));
  }

  /** What the target operations that predate steps take. */
  public UpRequest request() {
    return new UpRequest(
        runId,
        profile,
        host,
        runDir,
        assetsDir,
        assets.orElseThrow(() -> new IllegalStateException("assets not staged yet")),
        cancellation);
  }

  /** Throws the INTERRUPTED error once the run is cancelled. */
  public void checkCancelled() {
    if (cancellation.isCancelled()) {
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "interrupted", null);
    }
  }
}
