package dev.orchestrate.core.pyenv;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A pip requirements file with {@code --hash} pins: its text and the sha256 of that text (a part of
 * the env's marker, so any change to the lock re-installs).
 */
public record Lock(String name, String text) {
  /** The shipped lock of the hf backend, inside the tool (from the repository's python/). */
  public static final String HF_RESOURCE = "orchestrate/python/requirements-hf.lock";

  public Lock {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(text, "text");
  }

  public static Lock read(Path file) {
    try {
      return new Lock(
          file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.PROFILE,
          "cannot read the python lock " + file + ": " + e.getMessage(),
          "check bootstrap.pythonLock (a path relative to the project), or remove it to use the"
              + " shipped lock",
          e);
    }
  }

  /** The hf backend's lock as shipped with the tool. */
  public static Lock hf() {
    try (InputStream in = Lock.class.getClassLoader().getResourceAsStream(HF_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(HF_RESOURCE + " is missing from the class path: rebuild");
      }
      return new Lock(
          "requirements-hf.lock", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String sha256() {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** The requirements it pins, {@code name==version}, in the file's order. */
  public List<String> pins() {
    return text.lines()
        .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)) && !l.startsWith("#"))
        .map(l -> l.replaceAll("\\s*\\\\$", "").split("\\s+")[0])
        .toList();
  }

  /** The lines of the file, as the script writes them back out on the target. */
  List<String> lines() {
    return text.lines().toList();
  }
}
