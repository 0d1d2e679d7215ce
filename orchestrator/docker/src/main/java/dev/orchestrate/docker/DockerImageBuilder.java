package dev.orchestrate.docker;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.image.ImageBuilder;
import dev.orchestrate.core.image.ImageRef;
import dev.orchestrate.core.local.LocalEnv;
import dev.orchestrate.core.pyenv.TorchWheelsChooser;
import dev.orchestrate.docker.build.BuildOptions;
import dev.orchestrate.docker.build.BuildResult;
import dev.orchestrate.docker.build.BuildWorkspace;
import dev.orchestrate.docker.build.GitRevision;
import dev.orchestrate.docker.build.ImageEnv;
import dev.orchestrate.docker.build.ImagePush;
import dev.orchestrate.docker.build.RecipeImageBuilder;
import dev.orchestrate.docker.recipe.RecipeLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The core's {@link ImageBuilder} on Docker: builds {@code images/<flavour>} of the project with
 * the daemon at DOCKER_HOST, keeps canonical layers under {@code .orchestrate/images/}, writes the
 * result to {@code logs/images/<flavour>/} and reports it (ID, each layer's digest and size) as a
 * notice (a venv layer's packages come from ORCHESTRATE_PACKAGE_INDEX and
 * ORCHESTRATE_TORCH_INDEX_BASE when set, as on every other target); optionally pushes to a registry
 * with credentials from ORCHESTRATE_REGISTRY_USER and ORCHESTRATE_REGISTRY_PASSWORD.
 */
public final class DockerImageBuilder implements ImageBuilder {
  public static final String REGISTRY_USER = "ORCHESTRATE_REGISTRY_USER";
  public static final String REGISTRY_PASSWORD = "ORCHESTRATE_REGISTRY_PASSWORD";

  private final Map<String, String> environment;
  private final Redactor redactor;
  private final Clock clock;
  private final boolean noCache;
  private final Optional<String> push;

  public DockerImageBuilder(Map<String, String> environment, Redactor redactor, Clock clock) {
    this(environment, redactor, clock, false, Optional.empty());
  }

  private DockerImageBuilder(
      Map<String, String> environment,
      Redactor redactor,
      Clock clock,
      boolean noCache,
      Optional<String> push) {
    this.environment = Map.copyOf(environment);
    this.redactor = redactor;
    this.clock = clock;
    this.noCache = noCache;
    this.push = push;
  }

  /** This builder, rebuilding even when the image is current, and pushing to {@code ref}. */
  public DockerImageBuilder with(boolean rebuild, String pushRef) {
    return new DockerImageBuilder(
        environment,
        redactor,
        clock,
        rebuild,
        Optional.ofNullable(pushRef).filter(s -> !s.isBlank()));
  }

  @Override
  public ImageRef build(String flavour, Path projectDir, EventSink events) {
    BuildResult r = buildWithDetails(flavour, projectDir, events);
    return new ImageRef(RecipeImageBuilder.tag(flavour), r.id(), r.labels());
  }

  /** The build with everything it produced (layers, sizes, timings). */
  public BuildResult buildWithDetails(String flavour, Path projectDir, EventSink events) {
    try (DockerEngine engine = DockerEngine.connect("", environment, redactor)) {
      RecipeImageBuilder builder =
          new RecipeImageBuilder(
              engine,
              new RecipeLoader(projectDir.resolve("images")),
              projectDir,
              new BuildWorkspace(projectDir.resolve(".orchestrate").resolve("images")),
              projectDir.resolve("logs"),
              events,
              clock);
      BuildOptions options =
          BuildOptions.defaults(GitRevision.of(projectDir))
              .withNoCache(noCache)
              .withIndexes(
                  Optional.ofNullable(environment.get(LocalEnv.PACKAGE_INDEX)),
                  environment.getOrDefault(LocalEnv.TORCH_INDEX_BASE, TorchWheelsChooser.PYTORCH));
      BuildResult result = builder.build(flavour, options);
      events.accept(new Notice(clock.instant(), summary(result, projectDir)));
      if (push.isPresent()) {
        String ref = push.get();
        RegistryAuth auth = credentials(ImagePush.Ref.parse(ref).registry());
        String digest =
            new ImagePush(engine)
                .push(
                    result.id(),
                    ref,
                    auth,
                    line -> events.accept(new Notice(clock.instant(), line)));
        events.accept(new Notice(clock.instant(), "pushed " + ref + " " + digest));
      }
      return result;
    }
  }

  /**
   * Builds {@code images/<flavour>} as {@link #build} does and reports the env its venv layer
   * carries: reused or built, and the python and torch in it (asked of a container of the image,
   * with no network).
   */
  public ImageEnv env(String flavour, Path projectDir, EventSink events) {
    AtomicReference<StepEnded> venv = new AtomicReference<>();
    BuildResult r =
        buildWithDetails(
            flavour,
            projectDir,
            e -> {
              if (e instanceof StepEnded s && s.step().equals("venv")) {
                venv.set(s);
              }
              events.accept(e);
            });
    String tag = RecipeImageBuilder.tag(flavour);
    Path log = projectDir.resolve("logs").resolve("images").resolve(flavour).resolve("build.log");
    String dir = r.labels().get(RecipeImageBuilder.LABEL_VENV);
    if (dir == null || dir.isBlank()) {
      return new ImageEnv(
          tag,
          r.id(),
          Optional.empty(),
          r.upToDate(),
          "image " + tag + " carries no python env (images/" + flavour + " has no venv layer)",
          Optional.empty(),
          Optional.empty(),
          log);
    }
    boolean reused =
        r.upToDate() || (venv.get() != null && venv.get().outcome() == StepEnded.Outcome.SKIPPED);
    String detail =
        r.upToDate()
            ? "image up to date: its env layer is the one built before"
            : reused ? "env layer reused: " + venv.get().detail() : "env layer built: " + dir;
    List<String> out = versions(r.id(), dir);
    return new ImageEnv(
        tag,
        r.id(),
        Optional.of(dir),
        reused,
        detail,
        Optional.of(out.get(0)),
        Optional.of(out.get(1) + (out.size() > 2 ? " (" + out.get(2) + ")" : " (cpu)")),
        log);
  }

  /** Python's version, torch's and torch's CUDA (absent for a CPU build), from the image. */
  private List<String> versions(String image, String envDir) {
    String script =
        envDir
            + "/bin/python -c 'import platform, torch;"
            + " print(platform.python_version()); print(torch.__version__);"
            + " print(torch.version.cuda or \"\")'";
    List<String> out = new ArrayList<>();
    try (DockerEngine engine = DockerEngine.connect("", environment, redactor)) {
      String id =
          engine.createContainer(
              ContainerSpec.of(image, List.of(script))
                  .withEntrypoint(List.of("/bin/sh", "-c"))
                  .withLabels(Map.of("dev.orchestrate.purpose", "env-report")));
      try {
        engine.startContainer(id);
        engine.followLogs(id, (err, line) -> out.add(line));
        int code = engine.awaitExit(id);
        if (code != 0 || out.size() < 2) {
          throw new OrchestrateException(
              ErrorCode.IMAGE,
              "the env in " + image + " does not run (exit code " + code + "): " + out,
              "rebuild it: orchestrate build --image <name> --no-cache");
        }
      } finally {
        engine.removeContainer(id);
      }
    }
    return out.stream().filter(l -> !l.isBlank()).toList();
  }

  private RegistryAuth credentials(String registry) {
    String user = environment.getOrDefault(REGISTRY_USER, "");
    String password = environment.getOrDefault(REGISTRY_PASSWORD, "");
    if (user.isBlank() || password.isBlank()) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "--push needs registry credentials for " + registry,
          "set " + REGISTRY_USER + " and " + REGISTRY_PASSWORD + " (never on the command line)");
    }
    return RegistryAuth.of(registry, user, password, redactor);
  }

  /** ID, size, each layer's digest, size and origin, and where the result file is. */
  static String summary(BuildResult r, Path projectDir) {
    StringBuilder s = new StringBuilder();
    s.append(r.upToDate() ? "up to date " : "built ")
        .append(RecipeImageBuilder.tag(r.image()))
        .append(' ')
        .append(r.id())
        .append(
            String.format(
                Locale.ROOT,
                " (%s, %d layers, %.1f s)",
                mib(r.size()),
                r.layers().size(),
                r.took().toMillis() / 1000.0));
    for (BuildResult.Layer l : r.layers()) {
      s.append("\n  ")
          .append(l.diffId())
          .append(' ')
          .append(l.size() < 0 ? "?" : mib(l.size()))
          .append(' ')
          .append(l.createdBy());
    }
    s.append("\n  result: ").append(Path.of("logs", "images", r.image(), "result.json"));
    return s.toString();
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
