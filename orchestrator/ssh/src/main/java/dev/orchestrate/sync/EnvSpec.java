package dev.orchestrate.sync;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One environment to have on a machine: a name for messages, its folder there (a Python venv, the
 * engine's runtime folder), the fingerprint it must have, and how to get it when it does not: a
 * cached archive (.tar.gz or .tar) of a built environment, or a command that builds it in place
 * (run in the folder, with {@code ENV_DIR} set). The archive is preferred when both are given.
 */
public record EnvSpec(
    String name,
    String remoteDir,
    String fingerprint,
    Optional<Path> archive,
    Optional<String> buildCommand) {
  public EnvSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(remoteDir, "remoteDir");
    Objects.requireNonNull(fingerprint, "fingerprint");
    archive = archive == null ? Optional.empty() : archive;
    buildCommand = buildCommand == null ? Optional.empty() : buildCommand;
    if (remoteDir.isBlank() || remoteDir.equals("/") || remoteDir.contains("\n")) {
      throw new IllegalArgumentException("unsafe environment folder: '" + remoteDir + "'");
    }
    if (!fingerprint.matches("[A-Za-z0-9:]+")) {
      throw new IllegalArgumentException("bad fingerprint: " + fingerprint);
    }
    if (archive.isEmpty() && buildCommand.isEmpty()) {
      throw new IllegalArgumentException(
          "environment " + name + " needs a cached archive or a build command");
    }
  }
}
