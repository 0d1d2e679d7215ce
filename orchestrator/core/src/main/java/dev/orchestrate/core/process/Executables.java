package dev.orchestrate.core.process;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds programs on a PATH we are given (not the JVM's own), so tests can put stand-in scripts in
 * front of real tools and the child sees the same PATH we searched.
 */
public final class Executables {
  private final Map<String, String> environment;

  public Executables(Map<String, String> environment) {
    this.environment = environment;
  }

  /** {@code name} on the PATH, then in {@code extraDirs} (e.g. /usr/sbin for sshd). */
  public Optional<Path> find(String name, List<String> extraDirs) {
    if (name.contains("/")) {
      Path p = Path.of(name);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = environment.getOrDefault("PATH", "");
    for (String dir :
        (path + File.pathSeparator + String.join(File.pathSeparator, extraDirs))
            .split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  public Optional<Path> find(String name) {
    return find(name, List.of());
  }
}
