package dev.orchestrate.vast;

import dev.orchestrate.core.target.ProjectTag;
import dev.orchestrate.core.target.RunId;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How we tag rentals: {@code orchestrate-p<project>-<run id>-a<attempt>} (a fleet's machines:
 * {@code -r<replica>} before the attempt), where {@code <project>} is this checkout's {@link
 * ProjectTag} (random, drawn on the checkout's first use). Labels without a project ({@code
 * orchestrate-<run id>-a<n>}, written before projects were told apart) belong to an unknown
 * project. Everything without our prefix is left alone; another project's labels are destroyed only
 * when that project is named ({@code gc --project p<id>}). Clients from before project ids took
 * every {@code orchestrate-} label for their own: all clients on one account must be at least the
 * version that wrote project ids.
 */
public final class Labels {
  public static final String PREFIX = "orchestrate-";
  private static final Pattern PROJECT = Pattern.compile("p([0-9a-f]{8})-(.*)");

  /** Whose a label is, seen from one project. */
  public enum Owner {
    /** This project's: gc destroys it when the ledger does not track it. */
    THIS_PROJECT,
    /** Another project's (another checkout on the same account): listed, never touched. */
    OTHER_PROJECT,
    /** Ours, from before labels carried a project: gc destroys it only when asked to. */
    UNKNOWN_PROJECT,
    /** Not ours at all. */
    NOT_OURS
  }

  private Labels() {}

  public static String of(String project, RunId runId, int attempt) {
    return of(project, runId, 0, attempt);
  }

  /**
   * The label of one machine of a fleet, {@code orchestrate-p<project>-<run id>-r<replica>-a<n>};
   * replica 0 is a single machine's (no {@code -r}).
   */
  public static String of(String project, RunId runId, int replica, int attempt) {
    if (!ProjectTag.valid(project)) {
      throw new IllegalArgumentException("not a project tag: " + project);
    }
    return PREFIX
        + "p"
        + project
        + "-"
        + runId.value()
        + (replica > 0 ? "-r" + replica : "")
        + "-a"
        + attempt;
  }

  public static boolean isOurs(String label) {
    return label != null && label.startsWith(PREFIX);
  }

  /** Whose {@code label} is, seen from the project tagged {@code project}. */
  public static Owner owner(String label, String project) {
    if (!isOurs(label)) {
      return Owner.NOT_OURS;
    }
    Matcher m = PROJECT.matcher(label.substring(PREFIX.length()));
    if (!m.matches()) {
      return Owner.UNKNOWN_PROJECT;
    }
    return m.group(1).equals(project) ? Owner.THIS_PROJECT : Owner.OTHER_PROJECT;
  }

  /** The project tag in one of our labels ({@code 1234abcd}); empty for old labels and others'. */
  public static Optional<String> projectOf(String label) {
    if (!isOurs(label)) {
      return Optional.empty();
    }
    Matcher m = PROJECT.matcher(label.substring(PREFIX.length()));
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** The run id inside one of our labels (either form). */
  public static Optional<RunId> runIdOf(String label) {
    if (!isOurs(label)) {
      return Optional.empty();
    }
    String rest = label.substring(PREFIX.length());
    Matcher m = PROJECT.matcher(rest);
    if (m.matches()) {
      rest = m.group(2);
    }
    rest = rest.replaceFirst("-a\\d+$", "").replaceFirst("-r\\d+$", "");
    try {
      return Optional.of(RunId.parse(rest));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
