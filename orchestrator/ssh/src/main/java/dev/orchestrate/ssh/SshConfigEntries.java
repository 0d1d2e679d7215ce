package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.io.AtomicFiles;
import dev.orchestrate.core.transport.Endpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Pattern;

/**
 * One OpenSSH config entry per machine, so that {@code ssh <name>} (and scp, rsync, editors) work
 * outside our tool with the same key and the same pinned host key: {@code <dir>/config.d/<name>}
 * and {@code <dir>/known_hosts.d/<name>}, written atomically and removed on {@code down}. The
 * user's {@code ~/.ssh/config} gets one {@code Include} line for the folder, added once at the top
 * (an Include after a Host block would only apply inside it).
 */
public final class SshConfigEntries {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  private final Path dir;
  private final Path userConfig;

  /**
   * @param dir our folder, e.g. {@code .orchestrate/ssh}
   * @param userConfig the user's OpenSSH config, normally {@code ~/.ssh/config}
   */
  public SshConfigEntries(Path dir, Path userConfig) {
    this.dir = dir.toAbsolutePath();
    this.userConfig = userConfig;
  }

  /**
   * Writes (or replaces) the entry for {@code name} and makes sure the user's config includes it.
   */
  public void write(String name, Endpoint endpoint, Path identityFile, String pinnedHostKey) {
    requireName(name);
    String hostPattern =
        endpoint.port() == 22 ? endpoint.host() : "[" + endpoint.host() + "]:" + endpoint.port();
    String config =
        String.join(
            "\n",
            "# Written by orchestrate for machine "
                + endpoint.machineId()
                + "; removed by `orchestrate down`.",
            "Host " + name,
            "  HostName " + endpoint.host(),
            "  Port " + endpoint.port(),
            "  User " + endpoint.user(),
            "  IdentityFile \"" + identityFile.toAbsolutePath() + "\"",
            "  IdentitiesOnly yes",
            "  UserKnownHostsFile \"" + knownHosts(name) + "\"",
            "  StrictHostKeyChecking yes",
            "  ServerAliveInterval 15",
            "");
    try {
      AtomicFiles.write(
          knownHosts(name),
          (hostPattern + " " + pinnedHostKey.trim() + "\n").getBytes(StandardCharsets.UTF_8));
      AtomicFiles.write(entry(name), config.getBytes(StandardCharsets.UTF_8));
      ensureIncluded();
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "cannot write the ssh config entry for " + name + ": " + e.getMessage(),
          "check that " + dir + " and " + userConfig + " are writable",
          e);
    }
  }

  /** Removes the entry for {@code name}; the Include line stays (it is harmless when empty). */
  public void remove(String name) {
    requireName(name);
    try {
      Files.deleteIfExists(entry(name));
      Files.deleteIfExists(knownHosts(name));
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "cannot remove the ssh config entry for " + name + ": " + e.getMessage(),
          "remove " + entry(name) + " by hand");
    }
  }

  public Path entry(String name) {
    return dir.resolve("config.d").resolve(name);
  }

  Path knownHosts(String name) {
    return dir.resolve("known_hosts.d").resolve(name);
  }

  String includeLine() {
    return "Include \"" + dir.resolve("config.d") + "/*\"";
  }

  private void ensureIncluded() throws IOException {
    String current = Files.exists(userConfig) ? Files.readString(userConfig) : "";
    if (current.lines().anyMatch(l -> l.trim().equals(includeLine()))) {
      return;
    }
    Path sshDir = userConfig.toAbsolutePath().getParent();
    if (!Files.exists(sshDir)) {
      Files.createDirectories(sshDir);
      Files.setPosixFilePermissions(sshDir, PosixFilePermissions.fromString("rwx------"));
    }
    String updated =
        "# Added by orchestrate: entries for machines it manages.\n"
            + includeLine()
            + "\n\n"
            + current;
    AtomicFiles.write(userConfig, updated.getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(userConfig, PosixFilePermissions.fromString("rw-------"));
  }

  private static void requireName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a usable ssh host name: '" + name + "'");
    }
  }
}
