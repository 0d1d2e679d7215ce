package dev.orchestrate.core.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestrate.core.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The pin file ({@code .pin.json}) that {@code assets pull} and {@code assets import} write last
 * into a snapshot folder: which repo, revision and commit the folder holds. Read here so that
 * {@code up} pulls again only when the profile's {@code assets.source} names something else, and so
 * a run record can name the exact weights.
 */
public record HubPin(String repo, String revision, String commit) {
  public static final String FILE_NAME = ".pin.json";

  public static Optional<HubPin> read(Path dir) {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      JsonNode n = Json.mapper().readTree(file.toFile());
      return Optional.of(
          new HubPin(
              n.path("repo").asText(""),
              n.path("revision").asText(""),
              n.path("commit").asText("")));
    } catch (IOException e) {
      return Optional.empty(); // damaged: as if absent, so the pull runs and verifies again
    }
  }

  /** {@code hf://repo@commit}. */
  public String pinnedRef() {
    return "hf://" + repo + "@" + commit;
  }

  /**
   * Whether {@code dir} already holds {@code ref} ({@code ORG/NAME@REV}, REV a branch, tag or
   * commit) by its pin; true when {@code ref} is empty (no Hub source, nothing to check).
   */
  public static boolean satisfies(Path dir, String ref) {
    if (ref.isEmpty()) {
      return true;
    }
    int at = ref.indexOf('@');
    String repo = ref.substring(0, at);
    String rev = ref.substring(at + 1);
    return read(dir)
        .filter(p -> p.repo().equals(repo))
        .filter(p -> p.revision().equals(rev) || p.commit().equals(rev))
        .isPresent();
  }
}
