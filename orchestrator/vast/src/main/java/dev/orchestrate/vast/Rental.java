package dev.orchestrate.vast;

import dev.orchestrate.core.target.Machine;
import dev.orchestrate.vast.client.Instance;
import dev.orchestrate.vast.client.SshEndpoint;
import java.time.Duration;

/**
 * A running instance we hold: what Vast says about it, where its sshd is, the offer it came from,
 * the price it is billed at, how long create → SSH-ready took, and the machine as the ledger has
 * it.
 */
public record Rental(
    Instance instance,
    SshEndpoint ssh,
    RankedOffer offer,
    double billedPerHour,
    String label,
    Duration createToSsh,
    Machine machine) {}
