package dev.orchestrate.engine.batch;

import dev.orchestrate.engine.EngineException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Every problem found in a file, by line, so that all of them are reported at once. */
final class LineProblems {
  /** How many lines one error message lists before it says how many more there are. */
  static final int SHOWN = 50;

  private final List<String> problems = new ArrayList<>();

  void add(int line, String reason) {
    problems.add("line " + line + ": " + reason);
  }

  boolean isEmpty() {
    return problems.isEmpty();
  }

  List<String> all() {
    return List.copyOf(problems);
  }

  /** Throws one exception naming every problem (the first {@link #SHOWN}), when there are any. */
  void throwIfAny(Path file, String what, String hint) {
    if (problems.isEmpty()) {
      return;
    }
    StringBuilder message =
        new StringBuilder()
            .append(file)
            .append(": ")
            .append(problems.size())
            .append(problems.size() == 1 ? " line " : " lines ")
            .append(what)
            .append(':');
    for (String p : problems.subList(0, Math.min(SHOWN, problems.size()))) {
      message.append("\n  ").append(p);
    }
    if (problems.size() > SHOWN) {
      message.append("\n  ... and ").append(problems.size() - SHOWN).append(" more");
    }
    throw new EngineException(message.toString(), hint);
  }
}
