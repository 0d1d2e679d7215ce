package dev.orchestrate.vast;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepRunner;
import dev.orchestrate.core.step.TeardownStep;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.TargetContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One machine of a fleet: the same steps a single {@code up} runs on its machine (rent with its own
 * label, connect, qualify with a bad host replaced, runtime, env, sync or fetch, teardown) with the
 * chunk loop as its launch, through the one {@link StepRunner}. It tells the fleet's budget when a
 * machine starts and stops billing; its failure ends only this machine.
 */
final class Replica {
  /** How one machine's part ended: the machines it rented (names), and its failure if any. */
  record Result(int replica, List<String> machines, Optional<OrchestrateException> failure) {}

  private final VastTarget target;
  private final TargetContext context;
  private final FleetWork work;
  private final int replica;
  private final int fleetSize;

  Replica(VastTarget target, TargetContext context, FleetWork work, int replica, int fleetSize) {
    this.target = target;
    this.context = context;
    this.work = work;
    this.replica = replica;
    this.fleetSize = fleetSize;
  }

  Result run(PlanRequest request, UpState staged) {
    List<Step> steps =
        target.machineSteps(
            request,
            target.rentStep(request.profile().target().vast(), replica, fleetSize),
            new ChunkLoopStep(target, work, request.profile(), context.clock(), fleetSize),
            TeardownStep.FLEET);
    Billing billing = new Billing();
    EventSink events = new ReplicaEvents(replica, staged.events());
    StepRunner.Outcome o;
    try {
      o =
          new StepRunner(
                  context.clock(), context.sleeper(), context.ledger(), target.probe(), billing)
              .run(steps, staged.withEvents(events));
    } finally {
      billing.stop();
    }
    billing.held.forEach(m -> forgetIfGone(m, events));
    return new Result(replica, billing.machines, o.failure());
  }

  // A machine that vanished under the run (destroyed elsewhere, its watchdog) leaves no ledger
  // entry behind: nothing of it bills, and status/down have nothing left to end.
  private void forgetIfGone(Machine m, EventSink events) {
    boolean inLedger =
        context.ledger().entries().stream()
            .anyMatch(e -> e.machine().map(x -> x.id().equals(m.id())).orElse(false));
    if (!inLedger) {
      return;
    }
    try {
      if (target.status(m).state() == dev.orchestrate.core.target.MachineStatus.State.GONE) {
        context.ledger().remove(m.id());
        target.forget(m);
        events.accept(
            new dev.orchestrate.core.event.Notice(
                context.clock().instant(),
                "instance " + m.id() + " is gone from Vast: removed from the ledger"));
      }
    } catch (RuntimeException e) {
      // cannot tell now: the entry stays for `orchestrate status` to reconcile
    }
  }

  /** Follows the machine through the steps: billed from its rental until it is gone. */
  private final class Billing implements StepRunner.Listener {
    private final List<String> machines = new ArrayList<>();
    private final List<Machine> held = new ArrayList<>();
    private String current;

    @Override
    public void ended(Step step, UpState state) {
      String now = state.machine().map(VastTarget::nameOf).orElse(null);
      if (current != null && !current.equals(now)) {
        work.budget().ended(current);
      }
      if (now != null && !now.equals(current)) {
        Machine m = state.machine().get();
        work.budget().rented(now, m.since(), m.pricePerHour());
        machines.add(now);
        held.add(m);
      }
      current = now;
    }

    void stop() {
      if (current != null) {
        work.budget().ended(current);
      }
    }
  }
}
