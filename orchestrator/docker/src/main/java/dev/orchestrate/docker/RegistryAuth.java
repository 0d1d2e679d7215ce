package dev.orchestrate.docker;

import dev.orchestrate.core.error.Redactor;
import java.util.Objects;

/**
 * Credentials for one registry, passed explicitly to each push or pull (docker-java reads no
 * credential helpers). The password is registered with the {@link Redactor} when read, and never
 * shown by {@link #toString()}.
 */
public record RegistryAuth(String registry, String username, String password) {
  public RegistryAuth {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
  }

  /** Credentials read from the user, registered with {@code redactor} so they never leak. */
  public static RegistryAuth of(String registry, String username, String password, Redactor r) {
    r.register(password);
    return new RegistryAuth(registry, username, password);
  }

  @Override
  public String toString() {
    return "RegistryAuth[" + username + "@" + registry + "]";
  }
}
