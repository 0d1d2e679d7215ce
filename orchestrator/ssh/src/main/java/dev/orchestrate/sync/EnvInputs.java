package dev.orchestrate.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * What an environment is built from: the lock file (its content, not its name or mtime), the image
 * digest, the CUDA major version and the engine version. Equal inputs give an equal {@link
 * #fingerprint}, so an installed environment with that fingerprint can be reused as is.
 */
public record EnvInputs(
    Optional<Path> lockFile, String imageDigest, String cudaMajor, String engineVersion) {
  public EnvInputs {
    lockFile = lockFile == null ? Optional.empty() : lockFile;
    Objects.requireNonNull(imageDigest, "imageDigest");
    Objects.requireNonNull(cudaMajor, "cudaMajor");
    Objects.requireNonNull(engineVersion, "engineVersion");
  }

  /** {@code sha256:<hex>} over the inputs, each on its own labelled line. */
  public String fingerprint() {
    String text =
        "orchestrate-env-v1\n"
            + "lock:"
            + lockFile.map(EnvInputs::sha256).orElse("none")
            + "\nimage:"
            + imageDigest
            + "\ncuda:"
            + cudaMajor
            + "\nengine:"
            + engineVersion
            + "\n";
    return "sha256:"
        + HexFormat.of().formatHex(digest().digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  static String sha256(Path file) {
    MessageDigest d = digest();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), d)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return HexFormat.of().formatHex(d.digest());
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
