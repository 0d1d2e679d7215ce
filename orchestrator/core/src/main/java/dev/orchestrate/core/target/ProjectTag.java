package dev.orchestrate.core.target;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * This project's identity in what it labels on shared accounts: eight hex digits kept in {@code
 * .orchestrate/project-id}, first derived from the project folder's real path. Two checkouts using
 * one API key get different tags, so neither's {@code gc} reaps the other's rentals; deleting the
 * state folder (ledger included) gives the same checkout the same tag back.
 */
public final class ProjectTag {
  public static final String FILE = "project-id";
  private static final java.util.regex.Pattern FORM =
      java.util.regex.Pattern.compile("[0-9a-f]{8}");

  private ProjectTag() {}

  /** Whether {@code tag} has the form of a project tag. */
  public static boolean valid(String tag) {
    return tag != null && FORM.matcher(tag).matches();
  }

  /** The tag stored in {@code stateDir}, written there (derived from the path) on first use. */
  public static String of(Path stateDir, Path projectDir) {
    Path file = stateDir.resolve(FILE);
    try {
      if (Files.isRegularFile(file)) {
        String stored = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (valid(stored)) {
          return stored;
        }
      }
      String tag = derive(projectDir);
      AtomicFiles.write(file, (tag + "\n").getBytes(StandardCharsets.UTF_8));
      return tag;
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "cannot read or write the project id " + file + ": " + e.getMessage(),
          "check that " + stateDir + " is writable",
          e);
    }
  }

  static String derive(Path projectDir) throws IOException {
    Path real =
        Files.exists(projectDir)
            ? projectDir.toRealPath()
            : projectDir.toAbsolutePath().normalize();
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(real.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
