package dev.orchestrate.kubernetes;

import dev.orchestrate.core.profile.KubernetesSection;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.EngineCommand;
import dev.orchestrate.core.run.EngineEnvironment;
import dev.orchestrate.core.run.HubPin;
import dev.orchestrate.core.target.RunId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a profile into a {@link JobDesign}: reads the pin (Hub model) and cuts the prompt file into
 * one share per completion; the engine's command line loses its launcher (the image's entrypoint is
 * the engine) and, with a prompt file, {@code --prompt} gives way to {@code --prompts} on the pod's
 * own share (Kubernetes expands {@code $(JOB_COMPLETION_INDEX)} in arguments) and {@code --out}.
 */
public final class JobPlanner {
  static final String SHARE_ARG = JobManifest.PROMPTS + "/share-$(JOB_COMPLETION_INDEX).jsonl";
  static final String OUT_ARG = JobManifest.RESULTS + "/results.jsonl";

  private final Path projectDir;

  public JobPlanner(Path projectDir) {
    this.projectDir = projectDir;
  }

  public JobDesign design(Profile p, RunId runId, String projectTag, String namespace) {
    KubernetesSection k = p.target().kubernetes();
    Optional<ModelPin> pin =
        k.model().fromHub()
            ? Optional.of(ModelPin.read(projectDir.resolve(p.snapshotDir())))
            : Optional.empty();
    Optional<Path> prompts = promptFile(p);
    int completions = prompts.isPresent() ? k.completions() : 1;
    int parallelism = prompts.isPresent() ? k.parallelism() : 1;
    Optional<PromptShares> shares = prompts.map(f -> PromptShares.of(f, completions));
    return new JobDesign(
        RunLabels.jobName(runId),
        namespace,
        RunLabels.of(runId, projectTag),
        k,
        completions,
        parallelism,
        engineArgs(p, shares.isPresent()),
        EngineEnvironment.of(p),
        pin,
        shares);
  }

  /** Whether the staged snapshot has the pin file the pods pull by. */
  public boolean pinPresent(Profile p) {
    return java.nio.file.Files.isRegularFile(
        projectDir.resolve(p.snapshotDir()).resolve(HubPin.FILE_NAME));
  }

  /** The profile's prompt file ({@code engine.prompts}), relative to the project. */
  public Optional<Path> promptFile(Profile p) {
    return Optional.ofNullable(p.engine().prompts()).map(projectDir::resolve);
  }

  static List<String> engineArgs(Profile p, boolean sharded) {
    List<String> cmd =
        new ArrayList<>(
            EngineCommand.resolve(
                p.engine().command(),
                p,
                JobManifest.snapshotPath(p.target().kubernetes().model())));
    if (!cmd.isEmpty() && cmd.get(0).endsWith("bin/engine")) {
      cmd.remove(0);
    }
    if (!sharded) {
      return cmd;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < cmd.size(); i++) {
      String arg = cmd.get(i);
      if (arg.equals("--prompt") && i + 1 < cmd.size()) {
        i++; // the prompt file replaces the single prompt
        continue;
      }
      if (arg.startsWith("--prompt=")) {
        continue;
      }
      out.add(arg);
    }
    out.addAll(List.of("--prompts", SHARE_ARG, "--out", OUT_ARG));
    return out;
  }
}
