package dev.orchestrate.core.transport;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where to connect: the machine id (which the host key is pinned to), host, port, user, and an
 * identity file when the user brings their own key (empty: the project's generated key).
 */
public record Endpoint(
    String machineId, String host, int port, String user, Optional<Path> identityFile) {
  public Endpoint {
    Objects.requireNonNull(machineId, "machineId");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    identityFile = identityFile == null ? Optional.empty() : identityFile;
    if (machineId.isBlank() || host.isBlank() || user.isBlank()) {
      throw new IllegalArgumentException("machine id, host and user must not be blank");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("bad ssh port " + port);
    }
  }

  public static Endpoint of(String machineId, String host, int port, String user) {
    return new Endpoint(machineId, host, port, user, Optional.empty());
  }

  /** {@code user@host:port}, for messages. */
  public String address() {
    return user + "@" + host + ":" + port;
  }
}
