package dev.orchestrate.vast;

import dev.orchestrate.core.target.MachineAttribute;
import java.time.Duration;
import java.util.Optional;

/** What a Vast machine carries from step to step and, through the ledger, to later commands. */
public final class VastAttributes {
  /** The API the instance was rented through: status, down and gc ask the same one. */
  public static final MachineAttribute<String> API = MachineAttribute.text("api", "");

  /** The offer rented, as the plan and status describe it. */
  public static final MachineAttribute<String> OFFER = MachineAttribute.text("offer", "");

  /** How long the machine may sit without a client before its watchdog destroys it. */
  public static final MachineAttribute<Duration> IDLE =
      MachineAttribute.seconds("idleSeconds", IdleLimit.DEFAULT);

  /** The profile's {@code budget.maxTotalUsd}, for the budget watch during later runs. */
  public static final MachineAttribute<Optional<Double>> BUDGET_USD =
      MachineAttribute.usd("budgetUsd");

  /** The host driver's CUDA major version ({@code none} without one), part of the env key. */
  public static final MachineAttribute<String> CUDA_MAJOR =
      MachineAttribute.text("cudaMajor", "none");

  /** GPUs the offer promised, which qualification checks. */
  public static final MachineAttribute<Long> GPUS = MachineAttribute.number("gpus", 0);

  /** The physical host behind the offer (0: unknown), excluded after it fails qualification. */
  public static final MachineAttribute<Long> HOST_MACHINE =
      MachineAttribute.number("machine_id", 0);

  /** The GPUs as status shows them ({@code 1x RTX 4090}). */
  public static final MachineAttribute<String> GPU = MachineAttribute.text("gpu", "");

  /** Where the offer's host is. */
  public static final MachineAttribute<String> LOCATION = MachineAttribute.text("location", "");

  private VastAttributes() {}
}
