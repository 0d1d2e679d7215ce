package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.plan.PlanText;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.VastSection;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.vast.up.IdleWatchdog;
import dev.orchestrate.vast.up.LeaseKeeper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code provision} step: checks the budget, the checkout and that the engine runtime can be
 * built here before money is spent, then rents the cheapest matching offer through {@link
 * Provisioner} (in the ledger before the create call), and holds the machine's lease while the
 * later steps work. Its undo destroys the instance; a host that fails qualification is replaced
 * once when the profile allows ({@link #replace}).
 */
final class RentStep implements Step {
  static final String LEASE = "lease";
  private static final Duration POLL = Duration.ofSeconds(5);
  private static final String DEFAULT_IMAGE = "vastai/base-image:@vastai-automatic-tag";

  private final VastTarget target;
  private final TargetContext context;
  private final VastSession session;
  private final VastSection planned;
  private final int replica;
  private final int fleetSize;
  private final Set<Long> badMachines = new HashSet<>();
  private int rentals;

  RentStep(VastTarget target, TargetContext context, VastSession session, VastSection planned) {
    this(target, context, session, planned, 0, 1);
  }

  /**
   * The rent step of machine {@code replica} (1..) of a fleet of {@code fleetSize}; replica 0 with
   * a fleet size above 1 is the fleet's plan entry.
   */
  RentStep(
      VastTarget target,
      TargetContext context,
      VastSession session,
      VastSection planned,
      int replica,
      int fleetSize) {
    this.target = target;
    this.context = context;
    this.session = session;
    this.planned = planned;
    this.replica = replica;
    this.fleetSize = fleetSize;
  }

  @Override
  public StepId id() {
    return StepId.PROVISION;
  }

  @Override
  public String title() {
    return replica == 0 && fleetSize > 1
        ? "Rent " + fleetSize + " Vast instances in parallel"
        : "Rent a Vast instance";
  }

  @Override
  public PlannedStep plan() {
    return planned(
        (planned == null ? "(target.vast missing)" : offerQuery(planned))
            + (fleetSize > 1
                ? "; each machine as a single `up` rents one (its own label -r<n>, its own"
                    + " host replaced if bad)"
                : "")
            + "; labelled with the run id; recorded in the ledger before anything else; billed"
            + " price re-read and checked against maxPricePerHour",
        Duration.ofMinutes(3));
  }

  @Override
  public java.util.Optional<Duration> limit() {
    return java.util.Optional.of(
        Duration.ofMinutes(planned == null ? 10 : planned.readyTimeoutMinutes()));
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.PROVIDER;
  }

  @Override
  public StepResult run(UpState state) throws Exception {
    VastSection v = state.profile().target().vast();
    if (v == null) {
      throw new OrchestrateException(
          ErrorCode.PROFILE, "the profile has no target.vast section", "see profiles/vast.yaml");
    }
    EventSink events = state.events();
    target.budget(v).checkBeforeRent();
    target.requireOwnCheckout();
    // The engine runtime (and the Java runtime it ships) must be buildable here before money is
    // spent: an unbuilt engine or a JDK for another platform fails now, not after the rental.
    target.engineRuntime().checkBeforeRent(events, context.clock());
    // custom on the GPU with a library that has no CUDA code: no host would do
    if (VastTarget.customOnGpu(state.profile())) {
      target.engineRuntime().nativeCode().requireCuda();
    }
    VastSession.Api api = session.api(events);
    String image = v.image() == null ? DEFAULT_IMAGE : v.image();
    Duration idle = IdleLimit.of(v, context.environment());
    Map<String, String> env = new HashMap<>();
    env.put("ORCHESTRATE_RUN_ID", state.runId().value());
    env.putAll(IdleWatchdog.environment(api.baseUrl().toString(), idle));
    ProvisionRequest req =
        new ProvisionRequest(
            state.runId(),
            OfferConstraints.from(v),
            image,
            env,
            IdleWatchdog.onstart(),
            session.projectKey().publicKeyLine(),
            Duration.ofMinutes(v.readyTimeoutMinutes()),
            POLL,
            maxMachines(v),
            state.cancellation(),
            session.project(),
            replica);
    Rental r = api.provisioner(session.sshProbe()).provision(req, events, Set.copyOf(badMachines));
    rentals++;
    Integer gpus = r.offer().offer().numGpus();
    Machine m =
        r.machine()
            .with(VastAttributes.OFFER, r.offer().describe())
            .with(MachineAttributes.IMAGE, image)
            .with(MachineAttributes.NAME, VastTarget.nameOf(r.machine()))
            .with(VastAttributes.IDLE, idle)
            .with(
                VastAttributes.BUDGET_USD,
                java.util.Optional.ofNullable(v.budget() == null ? null : v.budget().maxTotalUsd()))
            .with(VastAttributes.GPUS, gpus == null ? 0L : gpus.longValue());
    LeaseKeeper lease =
        LeaseKeeper.renewing(
            session.connector(), session.remoteMachine().endpoint(m), idle.dividedBy(4));
    return StepResult.ok(
        state.withMachine(m).holding(LEASE, lease),
        String.format(
            Locale.ROOT,
            "instance %d (%s) at %s, $%.4f/h, SSH ready %d ms after create",
            r.instance().id(),
            r.offer().describe(),
            r.ssh(),
            r.billedPerHour(),
            r.createToSsh().toMillis()));
  }

  /** Destroys the rental a later step could not use. */
  @Override
  public UpState undo(UpState state) {
    state.machine().ifPresent(m -> destroy(state, m));
    return state.withoutMachine();
  }

  /**
   * Whether {@code bad} (a host that failed qualification) may be replaced by one other machine:
   * then it is destroyed and its host excluded from the next rental.
   */
  boolean replace(UpState state, Machine bad, String why) {
    VastSection v = state.profile().target().vast();
    long host = bad.get(VastAttributes.HOST_MACHINE);
    if (host == 0 || rentals >= maxMachines(v)) {
      return false;
    }
    destroy(state, bad);
    badMachines.add(host);
    state
        .events()
        .accept(
            new Warning(
                context.clock().instant(),
                "host " + host + " failed qualification: " + why,
                "destroyed it; trying one other machine"));
    return true;
  }

  private void destroy(UpState state, Machine m) {
    AutoCloseable lease = state.held().get(LEASE);
    if (lease != null) {
      try {
        lease.close();
      } catch (Exception e) {
        // a lease that will not stop renewing ends with the machine
      }
    }
    try {
      target.down(m, state.events());
    } catch (RuntimeException e) {
      state
          .events()
          .accept(
              new Warning(
                  context.clock().instant(),
                  "could not destroy instance " + m.id() + " after a failure: " + e.getMessage(),
                  "it is still in the ledger: run `orchestrate down " + m.id() + "`"));
    }
  }

  // With retryOtherMachine, as many rentals as the other-machine policy tries.
  private static int maxMachines(VastSection v) {
    return Boolean.TRUE.equals(v.retryOtherMachine())
        ? RetryPolicyName.OTHER_MACHINE.spec().maxAttempts()
        : 1;
  }

  static String offerQuery(VastSection v) {
    List<String> parts = new ArrayList<>();
    parts.add((v.gpuName() == null ? "any GPU" : v.gpuName()) + " x" + v.gpuCount());
    if (v.minVramGb() != null) {
      parts.add("≥" + PlanText.number(v.minVramGb()) + " GB VRAM");
    }
    if (v.maxPricePerHour() != null) {
      parts.add("≤$" + PlanText.number(v.maxPricePerHour()) + "/h");
    }
    parts.add("reliability ≥" + PlanText.number(v.minReliability()));
    parts.add(v.diskGb() + " GB disk");
    if (v.image() != null) {
      parts.add("image " + v.image());
    }
    return "the cheapest offer of " + String.join(", ", parts);
  }
}
