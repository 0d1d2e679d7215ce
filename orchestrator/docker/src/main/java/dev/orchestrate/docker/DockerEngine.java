package dev.orchestrate.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LoadResponseItem;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.PushResponseItem;
import com.github.dockerjava.api.model.ResponseItem;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.io.LineSplitter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The one class that talks to the Docker Engine, through docker-java; no docker-java type leaves
 * it. It covers the traps docker-java has: the full image ID is read by inspecting a tag (its
 * {@code awaitImageId} returns a short id), loads go through the async command with our own
 * callback (the sync one swallows errors, the stock callback rejects untagged loads), no API
 * version is pinned, and no response timeout is set (it would cut long builds and log streams).
 */
public final class DockerEngine implements AutoCloseable {
  private static final int TAIL = 30;

  private final String host;
  private final DockerClient client;
  private final Redactor redactor;

  private DockerEngine(String host, DockerClient client, Redactor redactor) {
    this.host = host;
    this.client = client;
    this.redactor = redactor;
  }

  /**
   * A client for {@code host} ({@code unix:///...} or {@code tcp://...}); blank means DOCKER_HOST
   * from {@code environment}, then the platform default.
   */
  public static DockerEngine connect(String host, Map<String, String> environment, Redactor r) {
    String chosen = host;
    if (chosen == null || chosen.isBlank()) {
      chosen = environment.getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
    }
    DockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(chosen).build();
    DockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .sslConfig(config.getSSLConfig())
            .connectionTimeout(Duration.ofSeconds(10))
            .maxConnections(16)
            .build();
    return new DockerEngine(chosen, DockerClientImpl.getInstance(config, http), r);
  }

  public String host() {
    return host;
  }

  /** Server version and storage driver; throws a clear error when the daemon does not answer. */
  public EngineFacts ping() {
    try {
      client.pingCmd().exec();
      var info = client.infoCmd().exec();
      return new EngineFacts(
          String.valueOf(info.getServerVersion()),
          String.valueOf(info.getDriver()),
          info.getRuntimes() == null ? List.of() : List.copyOf(info.getRuntimes().keySet()));
    } catch (RuntimeException e) {
      throw unreachable(e);
    }
  }

  /**
   * Version, storage driver and registered runtimes ({@code nvidia} when the toolkit is set up).
   */
  public record EngineFacts(String version, String storageDriver, List<String> runtimes) {}

  private OrchestrateException unreachable(RuntimeException e) {
    return new OrchestrateException(
        ErrorCode.IMAGE,
        "Docker is not reachable at " + host + ": " + rootMessage(e),
        "start a daemon (eval \"$(scripts/dockerd start)\" starts a private one) or point"
            + " DOCKER_HOST at a running one",
        e);
  }

  public Optional<ImageInfo> inspectImage(String ref) {
    try {
      InspectImageResponse r = client.inspectImageCmd(ref).exec();
      var cfg = r.getConfig();
      return Optional.of(
          new ImageInfo(
              r.getId(),
              r.getRepoTags(),
              r.getRootFS() == null ? List.of() : r.getRootFS().getLayers(),
              cfg == null || cfg.getLabels() == null ? Map.of() : cfg.getLabels(),
              r.getSize() == null ? 0 : r.getSize()));
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (DockerException e) {
      throw imageError("cannot inspect " + ref, e);
    } catch (RuntimeException e) {
      throw unreachable(e);
    }
  }

  /**
   * Runs a classic build of {@code context} (a tar we wrote) tagged {@code tag}, with no cache, no
   * pull and no network, streaming each output line to {@code lines}. Returns the full image ID.
   */
  public String build(
      String image,
      InputStream context,
      String dockerfile,
      String tag,
      Map<String, String> buildArgs,
      Consumer<String> lines) {
    Deque<String> tail = new ArrayDeque<>();
    String[] step = {""};
    String[] error = {null};
    ResultCallback.Adapter<BuildResponseItem> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(BuildResponseItem item) {
            String text = item.getStream();
            if (text != null) {
              for (String line : text.split("\n")) {
                if (line.isBlank()) {
                  continue;
                }
                if (line.startsWith("Step ")) {
                  step[0] = line;
                }
                remember(tail, line);
                lines.accept(line);
              }
            }
            if (item.isErrorIndicated()) {
              error[0] = errorText(item);
            }
          }
        };
    var cmd =
        client
            .buildImageCmd(context)
            .withTags(java.util.Set.of(tag))
            .withNoCache(true)
            .withPull(false)
            .withRemove(true)
            .withForcerm(true)
            .withNetworkMode("none")
            .withDockerfilePath(dockerfile);
    buildArgs.forEach(cmd::withBuildArg);
    try {
      cmd.exec(callback).awaitCompletion();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "build interrupted", null, e);
    } catch (DockerException e) {
      throw new BuildStepFailed(image, step[0], redactor.redact(rootMessage(e)), List.copyOf(tail));
    } catch (RuntimeException e) {
      throw unreachable(e);
    }
    if (error[0] != null) {
      throw new BuildStepFailed(image, step[0], redactor.redact(error[0]), List.copyOf(tail));
    }
    return inspectImage(tag)
        .map(ImageInfo::id)
        .orElseThrow(
            () ->
                new BuildStepFailed(
                    image, step[0], "the daemon reported no image", List.copyOf(tail)));
  }

  /** {@code docker save} of one image; the caller closes the stream. */
  public InputStream save(String ref) {
    try {
      return client.saveImageCmd(ref).exec();
    } catch (DockerException e) {
      throw imageError("cannot save " + ref, e);
    }
  }

  /** {@code docker load} of an archive, failing on any error the daemon reports in the body. */
  public void load(Path archive) {
    StringBuilder said = new StringBuilder();
    String[] error = {null};
    ResultCallback.Adapter<LoadResponseItem> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(LoadResponseItem item) {
            if (item.getStream() != null) {
              said.append(item.getStream());
            }
            if (item.isErrorIndicated()) {
              error[0] = errorText(item);
            }
          }
        };
    try (InputStream in = Files.newInputStream(archive)) {
      client.loadImageAsyncCmd(in).exec(callback).awaitCompletion();
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.IMAGE, "cannot read " + archive + ": " + e.getMessage(), null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "load interrupted", null, e);
    } catch (DockerException e) {
      throw imageError("docker load failed", e);
    }
    if (error[0] != null) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "docker load failed: " + redactor.redact(error[0]),
          "the archive is written under the build's work folder; inspect it with tar -tvf");
    }
  }

  /** The tags of {@code repository} on the daemon ({@code repo:tag} strings). */
  public List<String> tags(String repository) {
    try {
      List<String> out = new ArrayList<>();
      for (var image : client.listImagesCmd().withReferenceFilter(repository).exec()) {
        if (image.getRepoTags() != null) {
          out.addAll(List.of(image.getRepoTags()));
        }
      }
      return out;
    } catch (DockerException e) {
      throw imageError("cannot list images of " + repository, e);
    }
  }

  public void tag(String imageId, String repository, String tag) {
    try {
      client.tagImageCmd(imageId, repository, tag).withForce(true).exec();
    } catch (DockerException e) {
      throw imageError("cannot tag " + imageId, e);
    }
  }

  /** Removes a tag or image; a missing one is fine. */
  public void removeImage(String ref) {
    try {
      client.removeImageCmd(ref).withForce(true).exec();
    } catch (NotFoundException e) {
      // already gone
    } catch (DockerException e) {
      throw imageError("cannot remove " + ref, e);
    }
  }

  /** Pushes {@code repository:tag}; returns the manifest digest the registry answered. */
  public String push(String repository, String tag, RegistryAuth auth, Consumer<String> progress) {
    List<String> errors = new ArrayList<>();
    String[] digest = {""};
    ResultCallback.Adapter<PushResponseItem> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(PushResponseItem item) {
            report(item, progress, errors);
            String status = item.getStatus();
            if (status != null && status.contains("digest: sha256:")) {
              digest[0] = status.replaceAll(".*digest: (sha256:[0-9a-f]{64}).*", "$1");
            }
          }
        };
    try {
      client
          .pushImageCmd(repository)
          .withTag(tag)
          .withAuthConfig(authConfig(auth))
          .exec(callback)
          .awaitCompletion();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "push interrupted", null, e);
    } catch (DockerException e) {
      errors.add(rootMessage(e));
    }
    failIfAny("push of " + repository + ":" + tag, errors, auth);
    return digest[0];
  }

  public void pull(String repository, String tag, RegistryAuth auth, Consumer<String> progress) {
    List<String> errors = new ArrayList<>();
    ResultCallback.Adapter<PullResponseItem> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(PullResponseItem item) {
            report(item, progress, errors);
          }
        };
    try {
      var cmd = client.pullImageCmd(repository).withTag(tag);
      if (auth != null) {
        cmd.withAuthConfig(authConfig(auth));
      }
      cmd.exec(callback).awaitCompletion();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "pull interrupted", null, e);
    } catch (DockerException e) {
      errors.add(rootMessage(e));
    }
    failIfAny("pull of " + repository + ":" + tag, errors, auth);
  }

  private static void report(ResponseItem item, Consumer<String> progress, List<String> errors) {
    if (item.isErrorIndicated()) {
      errors.add(errorText(item));
    } else if (item.getStatus() != null) {
      progress.accept((item.getId() == null ? "" : item.getId() + ": ") + item.getStatus());
    }
  }

  private void failIfAny(String what, List<String> errors, RegistryAuth auth) {
    if (!errors.isEmpty()) {
      String registry = auth == null ? "the registry" : auth.registry();
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          what + " failed: " + redactor.redact(String.join("; ", errors)),
          "check the reference and the credentials for " + registry);
    }
  }

  private static AuthConfig authConfig(RegistryAuth auth) {
    return new AuthConfig()
        .withRegistryAddress(auth.registry())
        .withUsername(auth.username())
        .withPassword(auth.password());
  }

  /** Creates (does not start) a container; returns its id. */
  public String createContainer(ContainerSpec spec) {
    HostConfig host =
        HostConfig.newHostConfig()
            .withNetworkMode(spec.network())
            .withBinds(
                spec.mounts().stream()
                    .map(
                        m ->
                            new Bind(
                                m.hostPath().toAbsolutePath().toString(),
                                new Volume(m.containerPath()),
                                m.readOnly()
                                    ? com.github.dockerjava.api.model.AccessMode.ro
                                    : com.github.dockerjava.api.model.AccessMode.rw))
                    .toList());
    if (spec.gpus()) {
      host.withDeviceRequests(List.of(allGpus()));
    }
    try {
      CreateContainerCmd cmd =
          client
              .createContainerCmd(spec.image())
              .withHostConfig(host)
              .withLabels(spec.labels())
              .withEnv(
                  spec.environment().entrySet().stream()
                      .sorted(Map.Entry.comparingByKey())
                      .map(e -> e.getKey() + "=" + e.getValue())
                      .toList());
      if (!spec.entrypoint().isEmpty()) {
        cmd.withEntrypoint(spec.entrypoint());
      }
      if (!spec.command().isEmpty()) {
        cmd.withCmd(spec.command());
      }
      if (!spec.workingDir().isEmpty()) {
        cmd.withWorkingDir(spec.workingDir());
      }
      if (!spec.user().isEmpty()) {
        cmd.withUser(spec.user());
      }
      return cmd.exec().getId();
    } catch (NotFoundException e) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "image " + spec.image() + " is not on the Docker host " + host,
          "build it first: orchestrate build --image <name>",
          e);
    } catch (DockerException e) {
      throw imageError("cannot create a container from " + spec.image(), e);
    }
  }

  /** The device request {@code docker run --gpus all} sends. */
  static DeviceRequest allGpus() {
    return new DeviceRequest()
        .withDriver("")
        .withCount(-1)
        .withCapabilities(List.of(List.of("gpu")));
  }

  public void startContainer(String id) {
    try {
      client.startContainerCmd(id).exec();
    } catch (DockerException e) {
      String msg = rootMessage(e);
      if (msg.contains("could not select device driver")) {
        throw new OrchestrateException(
            ErrorCode.UNSUPPORTED,
            "the Docker host cannot give containers GPUs: " + msg,
            "install the NVIDIA Container Toolkit and register it with dockerd (nvidia-ctk runtime"
                + " configure --runtime=docker), or run without GPUs",
            e);
      }
      throw imageError("cannot start container " + id, e);
    }
  }

  /** Follows a container's output until it exits, one line at a time (stderr flagged). */
  public void followLogs(String id, BiConsumer<Boolean, String> lines) {
    LineSplitter out = LineSplitter.ofText(line -> lines.accept(false, line));
    LineSplitter err = LineSplitter.ofText(line -> lines.accept(true, line));
    ResultCallback.Adapter<Frame> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Frame frame) {
            (frame.getStreamType() == StreamType.STDERR ? err : out).accept(frame.getPayload());
          }
        };
    try {
      client
          .logContainerCmd(id)
          .withStdOut(true)
          .withStdErr(true)
          .withFollowStream(true)
          .exec(callback)
          .awaitCompletion();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (DockerException e) {
      throw imageError("cannot follow the logs of " + id, e);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** Waits for the container to exit and returns its exit code. */
  public int awaitExit(String id) {
    try {
      return client.waitContainerCmd(id).start().awaitStatusCode();
    } catch (DockerException e) {
      throw imageError("cannot wait for container " + id, e);
    }
  }

  public void stopContainer(String id, int graceSeconds) {
    try {
      client.stopContainerCmd(id).withTimeout(graceSeconds).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (DockerException e) {
      // stopped meanwhile: a not-modified answer is not an error for us
    }
  }

  /** A tar stream of {@code path} in the container (top entry is the base name). */
  public InputStream copyFrom(String id, String path) {
    try {
      return client.copyArchiveFromContainerCmd(id, path).exec();
    } catch (DockerException e) {
      throw imageError("cannot copy " + path + " out of container " + id, e);
    }
  }

  /** Removes a container and its anonymous volumes; a missing one is fine. */
  public void removeContainer(String id) {
    try {
      client.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // already gone
    } catch (DockerException e) {
      throw imageError("cannot remove container " + id, e);
    }
  }

  /** Ids of all containers (running or not) carrying label {@code key=value}. */
  public List<String> containersLabelled(String key, String value) {
    try {
      return client
          .listContainersCmd()
          .withShowAll(true)
          .withLabelFilter(Map.of(key, value))
          .exec()
          .stream()
          .map(Container::getId)
          .toList();
    } catch (DockerException e) {
      throw imageError("cannot list containers", e);
    }
  }

  /** All containers (running or not) that carry label {@code key}: id to the label's value. */
  public Map<String, String> containersWithLabel(String key) {
    try {
      Map<String, String> out = new java.util.TreeMap<>();
      for (Container c :
          client.listContainersCmd().withShowAll(true).withLabelFilter(List.of(key)).exec()) {
        out.put(c.getId(), c.getLabels() == null ? "" : c.getLabels().getOrDefault(key, ""));
      }
      return out;
    } catch (DockerException e) {
      throw imageError("cannot list containers", e);
    }
  }

  /** Whether a container is still running. */
  public boolean isRunning(String id) {
    try {
      Boolean running = client.inspectContainerCmd(id).exec().getState().getRunning();
      return Boolean.TRUE.equals(running);
    } catch (NotFoundException e) {
      return false;
    }
  }

  private OrchestrateException imageError(String what, DockerException e) {
    return new OrchestrateException(
        ErrorCode.IMAGE, what + ": " + redactor.redact(rootMessage(e)), null, e);
  }

  private static String errorText(ResponseItem item) {
    if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
      return item.getErrorDetail().getMessage();
    }
    return String.valueOf(item.getError());
  }

  private static void remember(Deque<String> tail, String line) {
    tail.addLast(line);
    while (tail.size() > TAIL) {
      tail.removeFirst();
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.strip();
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (IOException e) {
      // closing a client we are done with: nothing to do
    }
  }
}
