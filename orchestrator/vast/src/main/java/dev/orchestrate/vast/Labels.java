package dev.orchestrate.vast;

import dev.orchestrate.core.target.RunId;
import java.util.Optional;

/**
 * How we tag rentals: {@code orchestrate-<run id>-a<attempt>}. Everything with our prefix is ours
 * (so {@code gc} may reap it when untracked); everything else on the account is left alone.
 */
public final class Labels {
  public static final String PREFIX = "orchestrate-";

  private Labels() {}

  public static String of(RunId runId, int attempt) {
    return PREFIX + runId.value() + "-a" + attempt;
  }

  public static boolean isOurs(String label) {
    return label != null && label.startsWith(PREFIX);
  }

  /** The run id inside one of our labels. */
  public static Optional<RunId> runIdOf(String label) {
    if (!isOurs(label)) {
      return Optional.empty();
    }
    String rest = label.substring(PREFIX.length()).replaceFirst("-a\\d+$", "");
    try {
      return Optional.of(RunId.parse(rest));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
