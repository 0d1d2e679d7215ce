package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Every instance the simulator has made, destroyed ones included (for billing). Creating one rents
 * its offer and starts its host in the background, as a real host pulls an image.
 */
final class Instances {
  private final ConcurrentSkipListMap<Long, SimInstance> all = new ConcurrentSkipListMap<>();
  private final AtomicLong nextId = new AtomicLong(27190455);
  private final Clock clock;
  private final HostLauncher launcher;
  private final ExecutorService executor;
  private final Path workRoot;
  private final Consumer<String> log;

  Instances(
      Clock clock,
      HostLauncher launcher,
      ExecutorService executor,
      Path workRoot,
      Consumer<String> log) {
    this.clock = clock;
    this.launcher = launcher;
    this.executor = executor;
    this.workRoot = workRoot;
    this.log = log;
  }

  SimInstance create(
      ObjectNode offer,
      String image,
      double disk,
      Map<String, String> env,
      String onstart,
      String runtype,
      String label,
      List<String> accountKeys,
      FaultSettings faults,
      Timings timings,
      String instanceKey)
      throws IOException {
    long id = nextId.getAndIncrement();
    SimInstance inst =
        new SimInstance(
            id,
            offer,
            image,
            disk,
            env,
            onstart,
            runtype,
            label,
            clock.instant(),
            freePort(),
            faults,
            timings);
    inst.keys.addAll(accountKeys);
    inst.instanceKey = instanceKey;
    all.put(id, inst);
    Path dir = Files.createDirectories(workRoot.resolve("instance-" + id));
    SimGpu.install(dir.resolve("home"), offer, faults.gpuMissing(), faults.gpuComputeCap());
    // As on Vast, the container sees its own restricted key (start/stop/destroy itself only).
    Map<String, String> hostEnv = new java.util.LinkedHashMap<>(env);
    hostEnv.put("CONTAINER_API_KEY", instanceKey);
    HostSpec spec = new HostSpec(id, dir, inst.port, image, hostEnv, onstart, accountKeys);
    executor.execute(
        () -> {
          try {
            Host host = launcher.launch(spec);
            inst.hostStarted(host, clock.instant());
            log.accept("instance " + id + ": host up on 127.0.0.1:" + host.port());
          } catch (IOException | RuntimeException e) {
            inst.hostFailed(e.getMessage());
            log.accept("instance " + id + ": host failed: " + e.getMessage());
          }
        });
    return inst;
  }

  /** A live instance visible to the API, honouring the visibility delay fault. */
  Optional<SimInstance> visible(long id) {
    SimInstance inst = all.get(id);
    if (inst == null || inst.destroyed() || !isVisible(inst)) {
      return Optional.empty();
    }
    return Optional.of(inst);
  }

  /** The instance (live or destroyed: its key stays scoped to it) whose own API key is this. */
  Optional<SimInstance> byInstanceKey(String key) {
    return all.values().stream().filter(i -> key.equals(i.instanceKey)).findFirst();
  }

  Optional<SimInstance> any(long id) {
    return Optional.ofNullable(all.get(id));
  }

  private boolean isVisible(SimInstance inst) {
    long delay = inst.faults.visibilityDelayMs();
    return delay <= 0 || !clock.instant().isBefore(inst.createdAt.plusMillis(delay));
  }

  /** Live, visible instances with id greater than {@code afterId}, in id order. */
  List<SimInstance> list(long afterId, JsonNode filters) {
    List<SimInstance> out = new ArrayList<>();
    Instant now = clock.instant();
    for (SimInstance inst : all.tailMap(afterId, false).values()) {
      if (!inst.destroyed() && isVisible(inst) && OfferFilter.matches(inst.toJson(now), filters)) {
        out.add(inst);
      }
    }
    return out;
  }

  void destroy(SimInstance inst) {
    Host host = inst.destroy(clock.instant());
    if (host != null) {
      host.stop();
    }
    log.accept("instance " + inst.id + ": destroyed");
  }

  List<SimInstance> everything() {
    return List.copyOf(all.values());
  }

  void stopAll() {
    for (SimInstance inst : all.values()) {
      if (!inst.destroyed()) {
        Host host = inst.destroy(clock.instant());
        if (host != null) {
          host.stop();
        }
      }
    }
  }

  /** Relaunches the host of a restarted instance. */
  void restart(SimInstance inst) throws IOException {
    Path dir = workRoot.resolve("instance-" + inst.id);
    HostSpec spec =
        new HostSpec(inst.id, dir, inst.port, inst.image, inst.env, inst.onstart, inst.keys);
    executor.execute(
        () -> {
          try {
            inst.hostStarted(launcher.launch(spec), clock.instant());
          } catch (IOException | RuntimeException e) {
            inst.hostFailed(e.getMessage());
          }
        });
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
