package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.prompts.PromptRun;
import dev.orchestrate.core.run.ReattachedEnd;
import dev.orchestrate.core.run.UpFlow;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunRecord;
import dev.orchestrate.core.target.Target;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * {@code logs -f} for a run on a remote machine whose {@code up} client is gone (killed, the laptop
 * closed): the engine still runs there detached, so its target re-attaches from where the local
 * copy ends and the lines print here as they come. When the engine ends, the run record is ended as
 * the {@code up} client would have ended it ({@link ReattachedEnd}). A prompt-file run's result
 * lines go on into {@code logs/<run-id>/results.jsonl} (each id once) instead of the terminal, and
 * the file is put in the prompt file's order at the end, as {@code up} would have done.
 */
final class RemoteReattach {
  private final CliContext c;

  RemoteReattach(CliContext c) {
    this.c = c;
  }

  /** Follows the run to its end and returns its record as it then stands. */
  RunRecord follow(RunRecord record, String name) {
    Machine machine =
        heldMachine(record, name)
            .orElseThrow(
                () ->
                    new OrchestrateException(
                        ErrorCode.FAILURE,
                        "the machine of run " + name + " is no longer held",
                        "its output so far is in logs/" + name + "/engine.log"));
    Target target = c.targets().target(record.target(), c.targetContext());
    EventSink print =
        e -> {
          if (e instanceof LogLine l && l.source().equals(UpFlow.ENGINE_SOURCE)) {
            c.out().println(c.redactor().redact(l.line()));
            c.out().flush();
          }
        };
    Optional<PromptRun> prompts =
        PromptRun.staged(c.runs().runDir(record.runId()), UpFlow.ENGINE_SOURCE, c.clock());
    EventSink sink =
        prompts
            .map(p -> EventSink.fanOut(List.of(p.collector(), p.withoutResults(print))))
            .orElse(print);
    int exit = target.followLogs(machine, record.runId(), 0, sink);
    prompts.ifPresent(
        p ->
            p.finish(
                record.runId(),
                e -> {
                  if (e instanceof Notice n) {
                    c.err().println(n.message());
                  }
                }));
    return new ReattachedEnd(c.runs(), c.clock())
        .finish(record.runId(), exit, cost(target, machine));
  }

  /** The machine the run ran on, as the ledger holds it now (a warm machine's later runs too). */
  private Optional<Machine> heldMachine(RunRecord record, String name) {
    Optional<String> id = record.machine().map(Machine::id);
    Optional<Machine> byMachine =
        id.flatMap(
            m ->
                c.ledger().entries().stream()
                    .map(LedgerEntry::machine)
                    .flatMap(Optional::stream)
                    .filter(x -> x.id().equals(m))
                    .findFirst());
    if (byMachine.isPresent()) {
      return byMachine;
    }
    return Runs.held(c, name).stream()
        .map(LedgerEntry::machine)
        .flatMap(Optional::stream)
        .findFirst();
  }

  // What the up flow records at the end: the machine's cost so far at its billed price.
  private OptionalDouble cost(Target target, Machine machine) {
    if (machine.pricePerHour() <= 0) {
      return OptionalDouble.empty();
    }
    try {
      return OptionalDouble.of(target.status(machine).costSoFar());
    } catch (RuntimeException e) {
      c.err().println("(cost not read: " + e.getMessage() + ")");
      return OptionalDouble.empty();
    }
  }
}
