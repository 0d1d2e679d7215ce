package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunRecord;
import dev.orchestrate.core.target.Target;
import java.util.Map;
import java.util.Optional;

/** A machine the user named (by run id or machine id) and the target that serves it. */
record Held(Target target, Machine machine, RunRecord record) {

  static Held resolve(CliContext c, String name) {
    Optional<LedgerEntry> entry =
        Runs.held(c, name).stream().filter(e -> e.machine().isPresent()).findFirst();
    if (entry.isPresent()) {
      LedgerEntry e = entry.get();
      RunRecord record = c.runs().read(e.runId()).orElse(null);
      return new Held(c.targets().target(e.target(), c.targetContext()), e.machine().get(), record);
    }
    RunRecord record = Runs.record(c, name);
    if (record.target() == TargetType.LOCAL) {
      Machine here =
          Machine.local(
              "local-" + record.runId(),
              TargetType.LOCAL,
              record.runId().value(),
              record.startedAt(),
              Map.of());
      return new Held(c.targets().target(TargetType.LOCAL, c.targetContext()), here, record);
    }
    throw new OrchestrateException(
        ErrorCode.FAILURE,
        "the machine of run " + name + " is no longer held",
        "start one with 'orchestrate up --profile " + record.profileName() + "'");
  }
}
