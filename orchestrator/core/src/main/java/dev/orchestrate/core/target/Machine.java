package dev.orchestrate.core.target;

import dev.orchestrate.core.profile.TargetType;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A place where the engine runs: this host, a container or a rented instance. {@code id} is the
 * provider's id (instance id, container id, {@code local}); {@code label} is what we tagged it with
 * (the run id that created it) so {@code gc} can find it; {@code created} tells whether this run
 * created it (and so may destroy it) or reused one. {@code sshHost}/{@code sshPort} are empty for
 * targets without SSH. {@code pricePerHour} is the billed price in USD (0 for local). {@code
 * attributes} holds provider details worth showing (GPU name, region, pid) in a stable order.
 */
public record Machine(
    String id,
    TargetType target,
    String label,
    boolean created,
    Optional<String> sshHost,
    int sshPort,
    Optional<String> sshUser,
    double pricePerHour,
    Instant since,
    Map<String, String> attributes) {

  public Machine {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(label, "label");
    sshHost = sshHost == null ? Optional.empty() : sshHost;
    sshUser = sshUser == null ? Optional.empty() : sshUser;
    Objects.requireNonNull(since, "since");
    if (id.isBlank()) {
      throw new IllegalArgumentException("machine id is blank");
    }
    if (sshPort < 0 || sshPort > 65535) {
      throw new IllegalArgumentException("bad ssh port " + sshPort);
    }
    if (pricePerHour < 0 || Double.isNaN(pricePerHour)) {
      throw new IllegalArgumentException("bad price per hour " + pricePerHour);
    }
    attributes = attributes == null ? Map.of() : new TreeMap<>(attributes);
    attributes = java.util.Collections.unmodifiableMap(attributes);
  }

  /** A machine without SSH (this host, a local container). */
  public static Machine local(
      String id, TargetType target, String label, Instant since, Map<String, String> attributes) {
    return new Machine(
        id, target, label, true, Optional.empty(), 0, Optional.empty(), 0, since, attributes);
  }

  /** The value of {@code attribute}, its default when the machine does not carry it. */
  public <T> T get(MachineAttribute<T> attribute) {
    return attribute.read(attributes.get(attribute.key()));
  }

  /** Whether the machine carries {@code attribute} at all. */
  public boolean has(MachineAttribute<?> attribute) {
    return attributes.containsKey(attribute.key());
  }

  public <T> Machine with(MachineAttribute<T> attribute, T value) {
    Map<String, String> copy = new TreeMap<>(attributes);
    copy.put(attribute.key(), attribute.write(value));
    return new Machine(
        id, target, label, created, sshHost, sshPort, sshUser, pricePerHour, since, copy);
  }
}
