package dev.orchestrate.core.profile;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.util.List;
import java.util.stream.Collectors;

/** Every problem found in a profile, reported together; exit code {@link ErrorCode#PROFILE}. */
public final class ProfileException extends OrchestrateException {
  private static final long serialVersionUID = 1L;

  private final transient List<ProfileProblem> problems;

  public ProfileException(String profile, List<ProfileProblem> problems, String hint) {
    super(ErrorCode.PROFILE, message(profile, problems), hint);
    this.problems = List.copyOf(problems);
  }

  public List<ProfileProblem> problems() {
    return problems;
  }

  private static String message(String profile, List<ProfileProblem> problems) {
    String head =
        "profile '"
            + profile
            + "' has "
            + (problems.size() == 1 ? "a problem" : problems.size() + " problems")
            + ":";
    return head + problems.stream().map(p -> "\n  " + p).collect(Collectors.joining());
  }
}
