package dev.orchestrate.docker;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.profile.DockerSection;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.docker.build.RecipeImageBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The engine in a container from an image we built. {@link #acquire} checks the image (building
 * {@code orchestrate/engine:<recipe>} when it is missing) and decides on GPUs; {@link #runEngine}
 * creates the container with the assets mounted read-only under {@code /work}, no network, GPUs
 * through device requests when wanted, and our run id as a label; follows its output live as engine
 * log lines (the run's metrics are among them); and always removes it afterwards. While it runs it
 * is in the ledger, so {@code down} elsewhere can stop it and {@code gc} can find it.
 */
public final class DockerTarget implements Target {
  public static final String RUN_LABEL = "dev.orchestrate.run-id";
  static final String WORKDIR = "/work";
  private static final int STOP_GRACE_SECONDS = 10;

  private final TargetContext context;

  public DockerTarget(TargetContext context) {
    this.context = context;
  }

  @Override
  public TargetType type() {
    return TargetType.DOCKER;
  }

  private DockerEngine connect() {
    return DockerEngine.connect("", context.environment(), context.redactor());
  }

  @Override
  public Machine acquire(UpRequest request, EventSink events) {
    DockerSection docker = request.profile().target().docker();
    if (docker == null || docker.image() == null || docker.image().isBlank()) {
      throw new OrchestrateException(
          ErrorCode.PROFILE,
          "the docker target needs target.docker.image",
          "set it in the profile, e.g. orchestrate/engine:cpu");
    }
    boolean gpus =
        docker.gpus() == DockerSection.Gpus.ALL
            || (docker.gpus() == DockerSection.Gpus.AUTO && request.host().hasGpu());
    Steps steps = new Steps(events, context.clock());
    try (DockerEngine engine = connect()) {
      ImageInfo image =
          steps.run(
              "image",
              "Docker image " + docker.image(),
              () -> {
                engine.ping();
                ImageInfo info = ensureImage(engine, docker.image(), events);
                return Steps.Result.ok(
                    info, info.id().substring(0, 19) + (gpus ? ", all GPUs" : ""));
              });
      Map<String, String> attributes = new LinkedHashMap<>();
      attributes.put("docker", engine.host());
      attributes.put("image", docker.image());
      attributes.put("imageId", image.id());
      attributes.put("gpus", Boolean.toString(gpus));
      attributes.put("assets", request.assetsDir().toAbsolutePath().normalize().toString());
      return Machine.local(
          "docker-" + request.runId(),
          TargetType.DOCKER,
          request.runId().value(),
          context.clock().instant(),
          attributes);
    } catch (OrchestrateException e) {
      throw e;
    } catch (Exception e) {
      throw new OrchestrateException(
          ErrorCode.IMAGE, "preparing the container failed: " + e.getMessage(), null, e);
    }
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
    Map<String, String> a = machine.attributes();
    List<ContainerSpec.Mount> mounts = new ArrayList<>();
    Path assets = Path.of(a.getOrDefault("assets", context.projectDir().toString()));
    if (Files.isDirectory(assets)) {
      mounts.add(new ContainerSpec.Mount(assets, mountPoint(context.projectDir(), assets), true));
    }
    ContainerSpec spec =
        new ContainerSpec(
            a.get("imageId"),
            List.of(),
            containerCommand(request.command()),
            request.environment(),
            mounts,
            Map.of(RUN_LABEL, request.runId().value()),
            "none",
            Boolean.parseBoolean(a.getOrDefault("gpus", "false")),
            WORKDIR,
            "");
    try (DockerEngine engine = connect()) {
      String id = engine.createContainer(spec);
      Machine running = machine.withAttribute("container", id);
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

  @Override
  public MachineStatus status(Machine machine) {
    String id = machine.attributes().get("container");
    if (id == null) {
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
    String id = machine.attributes().get("container");
    if (id != null) {
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
                          Map.of("container", id, "docker", engine.host())));
                }
              });
    }
    return out;
  }
}
