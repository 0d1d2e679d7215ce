package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;

/**
 * Host keys pinned per machine id: the key a machine offers on first contact is recorded, and every
 * later connection must offer the same key or is refused. There is no switch to turn this off; a
 * machine that was legitimately re-created is forgotten with {@link #forget} (which {@code down}
 * does).
 */
public final class HostKeyPins {
  private final Path dir;

  public HostKeyPins(Path dir) {
    this.dir = dir;
  }

  /** The pinned key of {@code machineId} as {@code type base64}, if any. */
  public Optional<String> pinned(String machineId) {
    Path file = file(machineId);
    try {
      return Files.exists(file) ? Optional.of(Files.readString(file).trim()) : Optional.empty();
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "cannot read the pinned host key " + file + ": " + e.getMessage(),
          "check the file's permissions",
          e);
    }
  }

  /**
   * Accepts {@code type}/{@code blob} offered by {@code machineId}: pins it on first contact,
   * passes if it equals the pin, and throws a {@link HostKeyChangedException} otherwise.
   *
   * @return true when the key was pinned just now
   */
  public synchronized boolean verify(String machineId, String address, String type, byte[] blob) {
    String offered = type + " " + Base64.getEncoder().encodeToString(blob);
    Optional<String> pin = pinned(machineId);
    if (pin.isEmpty()) {
      try {
        AtomicFiles.write(file(machineId), (offered + "\n").getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        throw new OrchestrateException(
            ErrorCode.TRANSPORT,
            "cannot pin the host key of " + machineId + ": " + e.getMessage(),
            "check that " + dir + " is writable",
            e);
      }
      return true;
    }
    if (!pin.get().equals(offered)) {
      throw new HostKeyChangedException(
          machineId, address, fingerprint(pin.get()), fingerprint(offered), file(machineId));
    }
    return false;
  }

  /** Removes the pin of {@code machineId} (the machine was destroyed). */
  public void forget(String machineId) {
    try {
      Files.deleteIfExists(file(machineId));
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "cannot remove the pinned host key of " + machineId + ": " + e.getMessage(),
          "remove " + file(machineId) + " by hand",
          e);
    }
  }

  /** {@code SHA256:...} of a {@code type base64} key, as {@code ssh-keygen -l} prints it. */
  public static String fingerprint(String typeAndBase64) {
    String[] parts = typeAndBase64.trim().split("\\s+");
    byte[] blob = Base64.getDecoder().decode(parts.length > 1 ? parts[1] : parts[0]);
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  Path file(String machineId) {
    return dir.resolve(safeName(machineId));
  }

  static String safeName(String machineId) {
    String safe = machineId.replaceAll("[^A-Za-z0-9._-]", "_");
    if (safe.isEmpty() || safe.startsWith(".")) {
      safe = "_" + safe;
    }
    return safe;
  }
}
