package dev.orchestrate.docker;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.DockerSection;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.profile.YamlEnum;
import dev.orchestrate.core.run.StagedAssets;
import dev.orchestrate.core.step.AssetsStep;
import dev.orchestrate.core.step.LaunchStep;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttribute;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.docker.build.RecipeImageBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine in a container from an image we built. Its image step checks the image (building
 * {@code orchestrate/engine:<recipe>} when it is missing) and decides on GPUs; {@link #runEngine}
 * creates the container with the assets mounted read-only under {@code /work}, no network, GPUs
 * through device requests when wanted, and our run id as a label; follows its output live as engine
 * log lines (the run's metrics are among them), the hf backend on the image's python env ({@code
 * ENGINE_PYTHON}, e.g. /opt/venv/bin/python); and always removes it afterwards. While it runs it is
 * in the ledger, so {@code down} elsewhere can stop it and {@code gc} can find it. A run with a
 * prompt file ({@link #stageInputs}) also gets the run's inputs folder mounted writable at {@value
 * #INPUTS}, and the container then runs as the folder's owner so the results it writes there stay
 * the user's files.
 */
public final class DockerTarget implements Target {
  public static final String RUN_LABEL = "dev.orchestrate.run-id";
  static final String WORKDIR = "/work";
  static final String INPUTS = "/orchestrate/inputs";
  private static final int STOP_GRACE_SECONDS = 10;

  /** The Docker engine the container runs on. */
  static final MachineAttribute<String> DOCKER_HOST = MachineAttribute.text("docker", "");

  static final MachineAttribute<String> IMAGE_ID = MachineAttribute.text("imageId", "");
  static final MachineAttribute<Boolean> GPUS = MachineAttribute.flag("gpus", false);

  /** The staged assets mounted read-only. */
  static final MachineAttribute<String> ASSETS = MachineAttribute.text("assets", "");

  /** The running container's id, while it runs. */
  static final MachineAttribute<String> CONTAINER = MachineAttribute.text("container", "");

  private final TargetContext context;

  /** The inputs folder {@link #stageInputs} was given, by run id: mounted by {@link #runEngine}. */
  private final Map<String, Path> inputs = new ConcurrentHashMap<>();

  public DockerTarget(TargetContext context) {
    this.context = context;
  }

  /** The run's inputs stay on this host: the container sees the folder itself, writable. */
  @Override
  public String stageInputs(Machine machine, RunId runId, Path localDir, EventSink events) {
    if (!Files.isDirectory(localDir)) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "the run's inputs folder " + localDir + " is missing", null);
    }
    inputs.put(runId.value(), localDir.toAbsolutePath().normalize());
    return INPUTS;
  }

  @Override
  public TargetType type() {
    return TargetType.DOCKER;
  }

  private DockerEngine connect() {
    return DockerEngine.connect("", context.environment(), context.redactor());
  }

  /** Stage the assets, check (or build) the image, run the engine in a container. */
  @Override
  public List<Step> steps(PlanRequest request) {
    Profile p = request.profile();
    DockerSection d = p.target().docker();
    String image = d == null || d.image() == null ? "(target.docker.image not set)" : d.image();
    String gpus = d == null ? "auto" : YamlEnum.spell(d.gpus());
    return List.of(
        new AssetsStep(StagedAssets.of(context), p, request.projectDir()),
        new ImageStep(image),
        new LaunchStep(
            this,
            p,
            "in a container of "
                + image
                + " (gpus: "
                + gpus
                + (request.host().hasGpu()
                    ? ", " + request.host().gpus().size() + " seen"
                    : ", none seen")
                + "), removed afterwards"));
  }

  /** The image there (built from its recipe when missing) and the GPU decision: the machine. */
  private final class ImageStep implements Step {
    private final String image;

    ImageStep(String image) {
      this.image = image;
    }

    @Override
    public StepId id() {
      return StepId.IMAGE;
    }

    @Override
    public String title() {
      return "Docker image " + image;
    }

    @Override
    public PlannedStep plan() {
      return planned(
          image + ", built from images/<name>/image.yaml when missing, labelled with the run id",
          Duration.ofMinutes(5));
    }

    @Override
    public ErrorCode errorCode() {
      return ErrorCode.IMAGE;
    }

    @Override
    public StepResult run(UpState state) {
      DockerSection docker = state.profile().target().docker();
      if (docker == null || docker.image() == null || docker.image().isBlank()) {
        throw new OrchestrateException(
            ErrorCode.PROFILE,
            "the docker target needs target.docker.image",
            "set it in the profile, e.g. orchestrate/engine:cpu");
      }
      boolean gpus =
          docker.gpus() == DockerSection.Gpus.ALL
              || (docker.gpus() == DockerSection.Gpus.AUTO && state.host().hasGpu());
      try (DockerEngine engine = connect()) {
        engine.ping();
        ImageInfo info = ensureImage(engine, docker.image(), state.events());
        Optional<String> python = enginePython(state.profile(), info);
        Machine machine =
            Machine.local(
                    "docker-" + state.runId(),
                    TargetType.DOCKER,
                    state.runId().value(),
                    context.clock().instant(),
                    java.util.Map.of())
                .with(DOCKER_HOST, engine.host())
                .with(MachineAttributes.IMAGE, docker.image())
                .with(IMAGE_ID, info.id())
                .with(GPUS, gpus)
                .with(ASSETS, state.assetsDir().toAbsolutePath().normalize().toString());
        if (python.isPresent()) {
          machine = machine.with(MachineAttributes.ENGINE_PYTHON, python.get());
        }
        return StepResult.ok(
            state.withMachine(machine),
            info.id().substring(0, 19)
                + (gpus ? ", all GPUs" : "")
                + python.map(py -> ", hf on " + py).orElse(""));
      }
    }
  }

  /**
   * The python the hf backend runs in the container: the image's env (its venv layer, which the
   * image's label names), else the profile's {@code bootstrap.pythonEnv} when it is a path in the
   * image; none for the other backends.
   */
  static Optional<String> enginePython(Profile profile, ImageInfo image) {
    if (profile.engine().backend() != EngineBackend.HF) {
      return Optional.empty();
    }
    String env = image.labels().get(RecipeImageBuilder.LABEL_VENV);
    if (env == null || env.isBlank()) {
      env = profile.bootstrap().pythonEnv();
    }
    if (!env.startsWith("/")) {
      throw new OrchestrateException(
          ErrorCode.PROFILE,
          "the hf backend in a container needs the image's python env, and image "
              + profile.target().docker().image()
              + " names none",
          "build it from a recipe with a venv layer (orchestrate build --image cuda), or set"
              + " bootstrap.pythonEnv to the env's absolute path in the image");
    }
    return Optional.of(env.replaceAll("/+$", "") + "/bin/python");
  }

  private ImageInfo ensureImage(DockerEngine engine, String image, EventSink events) {
    Optional<ImageInfo> info = engine.inspectImage(image);
    if (info.isPresent()) {
      return info.get();
    }
    String prefix = RecipeImageBuilder.REPOSITORY + ":";
    String flavour = image.startsWith(prefix) ? image.substring(prefix.length()) : "";
    if (flavour.isEmpty()
        || !Files.isRegularFile(
            context.projectDir().resolve("images").resolve(flavour).resolve("image.yaml"))) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "image " + image + " is not on the Docker host " + engine.host(),
          "build or pull it first (orchestrate build --image <name> tags orchestrate/engine:<name>)");
    }
    new DockerImageBuilder(context.environment(), context.redactor(), context.clock())
        .build(flavour, context.projectDir(), events);
    return engine
        .inspectImage(image)
        .orElseThrow(
            () ->
                new OrchestrateException(
                    ErrorCode.IMAGE, "built " + image + " but cannot find it", null));
  }

  /** The container's command: the profile's, with the host launcher replaced by the image's. */
  static List<String> containerCommand(List<String> command) {
    if (!command.isEmpty() && command.get(0).endsWith("bin/engine")) {
      return command.subList(1, command.size());
    }
    return command;
  }

  /** Where the assets appear: at the same relative path under /work, so relative paths hold. */
  static String mountPoint(Path projectDir, Path assets) {
    Path abs = assets.toAbsolutePath().normalize();
    Path project = projectDir.toAbsolutePath().normalize();
    return abs.startsWith(project)
        ? WORKDIR + "/" + project.relativize(abs).toString().replace('\\', '/')
        : abs.toString();
  }

  @Override
  public EngineResult runEngine(Machine machine, EngineRequest request, EventSink events) {
    List<ContainerSpec.Mount> mounts = new ArrayList<>();
    String staged = machine.get(ASSETS);
    Path assets = staged.isEmpty() ? context.projectDir() : Path.of(staged);
    if (Files.isDirectory(assets)) {
      mounts.add(new ContainerSpec.Mount(assets, mountPoint(context.projectDir(), assets), true));
    }
    Map<String, String> environment = new HashMap<>(request.environment());
    if (machine.has(MachineAttributes.ENGINE_PYTHON)) {
      environment.putIfAbsent(
          MachineAttributes.ENGINE_PYTHON.key(), machine.get(MachineAttributes.ENGINE_PYTHON));
    }
    Path runInputs = inputs.get(request.runId().value());
    String user = "";
    if (runInputs != null) {
      mounts.add(new ContainerSpec.Mount(runInputs, INPUTS, false));
      user = owner(runInputs);
      if (!user.isEmpty() && !user.startsWith("0:")) {
        environment.putIfAbsent(
            "HOME", "/tmp"); // another user than the image's: its home may be closed
      }
    }
    ContainerSpec spec =
        new ContainerSpec(
            machine.get(IMAGE_ID),
            List.of(),
            containerCommand(request.command()),
            environment,
            mounts,
            Map.of(RUN_LABEL, request.runId().value()),
            "none",
            machine.get(GPUS),
            WORKDIR,
            user);
    try (DockerEngine engine = connect()) {
      String id = engine.createContainer(spec);
      Machine running = machine.with(CONTAINER, id);
      try {
        context
            .ledger()
            .put(LedgerEntry.active(running, request.runId(), context.clock().instant()));
        request.cancellation().onCancel(() -> engine.stopContainer(id, STOP_GRACE_SECONDS));
        engine.startContainer(id);
        engine.followLogs(
            id,
            (stderr, line) ->
                events.accept(
                    new LogLine(
                        context.clock().instant(),
                        "engine",
                        stderr ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT,
                        line)));
        int code = engine.awaitExit(id);
        boolean downed = context.ledger().find(machine.id()).isEmpty();
        return new EngineResult(code, request.cancellation().isCancelled() || downed);
      } finally {
        engine.removeContainer(id);
        context.ledger().remove(machine.id());
      }
    }
  }

  /** {@code uid:gid} of {@code dir}, so what the container writes there belongs to its owner. */
  static String owner(Path dir) {
    try {
      return Files.getAttribute(dir, "unix:uid") + ":" + Files.getAttribute(dir, "unix:gid");
    } catch (IOException | UnsupportedOperationException e) {
      return ""; // no unix attributes: the image's own user
    }
  }

  @Override
  public MachineStatus status(Machine machine) {
    String id = machine.get(CONTAINER);
    if (id.isEmpty()) {
      return new MachineStatus(machine, MachineStatus.State.GONE, "no container", 0);
    }
    try (DockerEngine engine = connect()) {
      return engine.isRunning(id)
          ? new MachineStatus(
              machine, MachineStatus.State.RUNNING, "container " + id.substring(0, 12), 0)
          : new MachineStatus(machine, MachineStatus.State.GONE, "container gone", 0);
    }
  }

  @Override
  public void down(Machine machine, EventSink events) {
    // removed first, so the up that runs this container records a deliberate stop, not a crash
    context.ledger().remove(machine.id());
    String id = machine.get(CONTAINER);
    if (!id.isEmpty()) {
      try (DockerEngine engine = connect()) {
        engine.stopContainer(id, STOP_GRACE_SECONDS);
        engine.removeContainer(id);
      }
    }
  }

  /** Containers labelled with one of our run ids whose machine the ledger no longer tracks. */
  @Override
  public List<Machine> leftovers(Set<String> tracked) {
    List<Machine> out = new ArrayList<>();
    try (DockerEngine engine = connect()) {
      engine
          .containersWithLabel(RUN_LABEL)
          .forEach(
              (id, runId) -> {
                String machineId = "docker-" + runId;
                if (!tracked.contains(machineId)) {
                  out.add(
                      Machine.local(
                              machineId,
                              TargetType.DOCKER,
                              runId,
                              context.clock().instant(),
                              Map.of())
                          .with(CONTAINER, id)
                          .with(DOCKER_HOST, engine.host()));
                }
              });
    }
    return out;
  }
}
