package dev.orchestrate.vast.client;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Finds the API key where the official CLI keeps it: {@code VAST_API_KEY}, then {@code
 * $XDG_CONFIG_HOME/vastai/vast_api_key} (default {@code ~/.config/vastai/vast_api_key}), then the
 * legacy {@code ~/.vast_api_key}. A key file that group or others can read earns a warning.
 */
public final class ApiKeyLocator {
  public static final String ENV = "VAST_API_KEY";

  private final Map<String, String> env;
  private final Path home;
  private final Consumer<String> warnings;

  public ApiKeyLocator(Map<String, String> env, Path home, Consumer<String> warnings) {
    this.env = Map.copyOf(env);
    this.home = home;
    this.warnings = warnings;
  }

  public Optional<ApiKey> locate() {
    String fromEnv = env.get(ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Optional.of(new ApiKey(fromEnv, ENV));
    }
    for (Path file : candidates()) {
      if (Files.isRegularFile(file)) {
        return Optional.of(read(file));
      }
    }
    return Optional.empty();
  }

  public ApiKey require() {
    return locate()
        .orElseThrow(
            () ->
                new OrchestrateException(
                    ErrorCode.PROVIDER,
                    "no Vast API key found",
                    "set VAST_API_KEY or write the key to "
                        + candidates().get(0)
                        + " (chmod 600), as `vastai set api-key` does"));
  }

  List<Path> candidates() {
    String xdg = env.get("XDG_CONFIG_HOME");
    Path config = xdg == null || xdg.isBlank() ? home.resolve(".config") : Path.of(xdg);
    return List.of(config.resolve("vastai").resolve("vast_api_key"), home.resolve(".vast_api_key"));
  }

  private ApiKey read(Path file) {
    warnIfShared(file);
    try {
      String text = Files.readString(file).strip();
      if (text.isEmpty()) {
        throw new OrchestrateException(
            ErrorCode.PROVIDER,
            "the Vast API key file " + file + " is empty",
            "write your key into it or set VAST_API_KEY");
      }
      return new ApiKey(text, file.toString());
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.PROVIDER,
          "cannot read the Vast API key file " + file + ": " + e.getMessage(),
          "check the file's permissions or set VAST_API_KEY",
          e);
    }
  }

  private void warnIfShared(Path file) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.contains(PosixFilePermission.GROUP_READ)
          || perms.contains(PosixFilePermission.OTHERS_READ)) {
        warnings.accept(
            "the Vast API key file "
                + file
                + " is readable by other users; run `chmod 600 "
                + file
                + "`");
      }
    } catch (UnsupportedOperationException | IOException e) {
      // Not a POSIX file system: nothing to check.
    }
  }
}
