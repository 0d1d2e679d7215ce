package dev.orchestrate.core.prompts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A run of a prompt file ({@code up --prompts}, profile key {@code engine.prompts}). Before the
 * launch it stages {@code logs/<run-id>/prompts/}: the prompt file and the engine's results file,
 * seeded with the results already done (those of {@code engine.resumeFrom}, an earlier run's), so
 * the engine skips them; the target puts that folder where its engine reads it ({@link
 * Target#stageInputs}) and the engine command gets {@code --prompts} and {@code --out} in place of
 * {@code --prompt}. While the engine runs, each {@code {"type":"result",...}} line it prints is
 * written to {@code logs/<run-id>/results.jsonl} as it arrives (remote output is followed by byte
 * offset, so results come back across reconnects) and kept off the terminal; its progress lines
 * pass through. At the end the file is rewritten in the prompt file's order when it is complete.
 *
 * <p>Why results ride on the engine's output rather than a second follower on the remote results
 * file: the output is already followed, resumed and copied on every target, so the results need no
 * target-specific code, and they arrive in the same order as the progress that counts them.
 */
public final class PromptRun {
  public static final String RESULTS = "results.jsonl";
  static final String STAGED = "prompts";
  static final String STAGED_FILE = "prompts.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path promptFile;
  private final List<String> ids;
  private final Path staged;
  private final ResultsLog results;
  private final String source;
  private final Clock clock;
  private List<String> command;

  private PromptRun(Path promptFile, Path resumeFrom, Path runDir, String source, Clock clock) {
    this.promptFile = promptFile;
    this.ids = PromptIds.of(promptFile);
    this.staged = runDir.resolve(STAGED);
    this.results = new ResultsLog(runDir.resolve(RESULTS));
    this.source = source;
    this.clock = clock;
    try {
      Files.createDirectories(runDir);
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "cannot create " + runDir + ": " + e.getMessage(), null, e);
    }
    if (resumeFrom != null) {
      if (!Files.isRegularFile(resumeFrom)) {
        throw new OrchestrateException(
            ErrorCode.USAGE,
            "no results to resume from at " + resumeFrom,
            "name the results.jsonl of an earlier run");
      }
      results.seed(ResultsLog.read(resumeFrom));
    }
  }

  /**
   * The prompt run of {@code profile}, when it names a prompt file.
   *
   * @param projectDir what relative paths in the profile are relative to
   * @param source the engine's log source name (its output lines carry it)
   */
  public static Optional<PromptRun> of(
      Profile profile, Path projectDir, Path runDir, String source, Clock clock) {
    String prompts = profile.engine().prompts();
    if (prompts == null) {
      return Optional.empty();
    }
    String resume = profile.engine().resumeFrom();
    return Optional.of(
        new PromptRun(
            projectDir.resolve(prompts),
            resume == null ? null : projectDir.resolve(resume),
            runDir,
            source,
            clock));
  }

  /**
   * The prompt run that {@code runDir} holds, as its {@code up} staged it ({@code prompts/} with
   * the prompt file), for a client that re-attaches to the run later ({@code logs -f}): its results
   * go on into the same {@code results.jsonl}, an id already there is not written twice. Empty for
   * a run of one prompt.
   */
  public static Optional<PromptRun> staged(Path runDir, String source, Clock clock) {
    return isPromptRun(runDir)
        ? Optional.of(new PromptRun(stagedFile(runDir), null, runDir, source, clock))
        : Optional.empty();
  }

  /** Whether the run of {@code runDir} ran a prompt file (its {@code prompts/} staged one). */
  public static boolean isPromptRun(Path runDir) {
    return Files.isRegularFile(stagedFile(runDir));
  }

  private static Path stagedFile(Path runDir) {
    return runDir.resolve(STAGED).resolve(STAGED_FILE);
  }

  /** Ids in the prompt file's order. */
  public List<String> ids() {
    return List.copyOf(ids);
  }

  public ResultsLog results() {
    return results;
  }

  /**
   * Stages the inputs on {@code machine} and returns {@code command} running the prompt file there.
   */
  public List<String> prepare(
      Target target, Machine machine, RunId runId, List<String> command, EventSink events) {
    try {
      Files.createDirectories(staged);
      Files.copy(promptFile, staged.resolve(STAGED_FILE), StandardCopyOption.REPLACE_EXISTING);
      results.rewriteInOrder(ids); // seeds the engine's copy; also drops a cut-short last line
      Files.copy(results.file(), staged.resolve(RESULTS), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "cannot stage the prompt file: " + e.getMessage(), null, e);
    }
    int done = (int) ids.stream().filter(results.done()::contains).count();
    events.accept(
        new Notice(
            clock.instant(),
            "prompts: "
                + ids.size()
                + " in "
                + promptFile.getFileName()
                + (done > 0 ? ", " + done + " already done (skipped)" : "")
                + "; results → "
                + results.file()));
    String there = target.stageInputs(machine, runId, staged, events);
    this.command = withPromptFile(command, there);
    return this.command;
  }

  /** The engine command the last {@link #prepare} returned; empty before. */
  public Optional<List<String>> command() {
    return Optional.ofNullable(command);
  }

  /** {@code --prompt TEXT} in the engine command becomes {@code --prompts F --out R}. */
  public static List<String> withPromptFile(List<String> command, String dir) {
    return replacingPrompt(
        command, List.of("--prompts", dir + "/" + STAGED_FILE, "--out", dir + "/" + RESULTS));
  }

  /**
   * {@code --prompt TEXT} in the engine command becomes {@code --worker DIR}: one engine that works
   * through the prompt files put into {@code DIR/inbox/} (a fleet's machine).
   */
  public static List<String> withWorker(List<String> command, String dir) {
    return replacingPrompt(command, List.of("--worker", dir));
  }

  private static List<String> replacingPrompt(List<String> command, List<String> with) {
    int at = command.indexOf("--prompt");
    if (at < 0 || at + 1 >= command.size()) {
      throw new OrchestrateException(
          ErrorCode.PROFILE,
          "engine.command has no `--prompt {prompt}` to run a prompt file in its place",
          "use the default engine command, or end yours with `--prompt \"{prompt}\"`");
    }
    List<String> out = new ArrayList<>(command.subList(0, at));
    out.addAll(with);
    out.addAll(command.subList(at + 2, command.size()));
    return out;
  }

  /**
   * The sinks of a run, in order: with a prompt run, its collector joins them and the metrics and
   * the terminal ({@code metrics}, {@code events}) no longer see the result lines.
   */
  public static List<EventSink> sinks(
      Optional<PromptRun> run,
      EventSink log,
      EventSink metrics,
      EventSink timings,
      EventSink events) {
    if (run.isEmpty()) {
      return List.of(log, metrics, timings, events);
    }
    PromptRun p = run.get();
    return List.of(
        log, p.withoutResults(metrics), timings, p.collector(), p.withoutResults(events));
  }

  /** Takes the engine's result lines (into the results log) and passes every event on. */
  public EventSink collector() {
    return e -> {
      String line = resultLine(e);
      if (line != null) {
        take(line);
      }
    };
  }

  /** {@code downstream} without the engine's result lines (the terminal, the metrics). */
  public EventSink withoutResults(EventSink downstream) {
    return e -> {
      if (resultLine(e) == null) {
        downstream.accept(e);
      }
    };
  }

  private String resultLine(Event e) {
    if (e instanceof LogLine l && l.source().equals(source) && isResult(l.line())) {
      return l.line().strip();
    }
    return null;
  }

  /** Whether an engine output line is one prompt's result ({@code {"type":"result",...}}). */
  public static boolean isResult(String engineLine) {
    return engineLine.strip().startsWith("{\"type\":\"result\"");
  }

  private void take(String line) {
    try {
      JsonNode n = JSON.readTree(line);
      if (n instanceof ObjectNode o && o.get("id") != null && o.get("id").isTextual()) {
        o.remove("type");
        results.append(o.get("id").asText(), o.toString());
      }
    } catch (IOException e) {
      // a line cut by the engine's death: its prompt has no result and runs again on resume
    }
  }

  /**
   * Ends the run's results: in the prompt file's order when every prompt has one; says how many are
   * missing (and how to resume) when not.
   */
  public void finish(RunId runId, EventSink events) {
    int missing = results.rewriteInOrder(ids);
    try {
      results.close();
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "cannot close " + results.file() + ": " + e.getMessage(), null, e);
    }
    events.accept(
        new Notice(
            clock.instant(),
            missing == 0
                ? "results: all " + ids.size() + " prompts in " + results.file()
                : "results: "
                    + (ids.size() - missing)
                    + " of "
                    + ids.size()
                    + " prompts in "
                    + results.file()
                    + "; `orchestrate run "
                    + runId
                    + " --prompts "
                    + promptFile
                    + "` runs the rest"));
  }
}
