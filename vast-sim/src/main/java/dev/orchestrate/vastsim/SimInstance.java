package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One rented instance. Its {@code actual_status} is computed from the clock, the timings, the
 * faults it was created under and whether its host is up; billing is computed the same way: storage
 * from creation to destroy, GPU time while running.
 */
final class SimInstance {
  final long id;
  final ObjectNode offer;
  final String image;
  final double diskGb;
  final Map<String, String> env;
  final String onstart;
  final String runtype;
  final Instant createdAt;
  final int port;
  final FaultSettings faults;
  final Timings timings;
  final List<String> keys = new ArrayList<>();
  // The restricted key returned at create; only this instance's start/stop/destroy accept it.
  volatile String instanceKey;
  // Who destroyed it: "account-key" or "instance-key" (the watchdog on the machine).
  volatile String destroyedBy;

  private String label;
  private Instant phaseStart;
  private volatile Host host;
  private volatile Instant hostReadyAt;
  private volatile String hostError;
  private Instant stoppedAt;
  private Instant destroyedAt;
  private double accruedBefore;

  SimInstance(
      long id,
      ObjectNode offer,
      String image,
      double diskGb,
      Map<String, String> env,
      String onstart,
      String runtype,
      String label,
      Instant createdAt,
      int port,
      FaultSettings faults,
      Timings timings) {
    this.id = id;
    this.offer = offer;
    this.image = image;
    this.diskGb = diskGb;
    this.env = new LinkedHashMap<>(env);
    this.onstart = onstart;
    this.runtype = runtype;
    this.label = label;
    this.createdAt = createdAt;
    this.phaseStart = createdAt;
    this.port = port;
    this.faults = faults;
    this.timings = timings;
  }

  synchronized void hostStarted(Host h, Instant at) {
    if (destroyedAt != null || stoppedAt != null) {
      h.stop();
      return;
    }
    host = h;
    hostReadyAt = at;
  }

  synchronized void hostFailed(String error) {
    hostError = error;
  }

  synchronized Host host() {
    return host;
  }

  synchronized String label() {
    return label;
  }

  synchronized void label(String text) {
    label = text;
  }

  synchronized boolean destroyed() {
    return destroyedAt != null;
  }

  /** Stops billing and the host; returns the host to stop outside the lock. */
  synchronized Host destroy(Instant now) {
    accruedBefore = accrued(now);
    destroyedAt = now;
    Host h = host;
    host = null;
    return h;
  }

  synchronized Host stop(Instant now) {
    if (stoppedAt != null) {
      return null;
    }
    accruedBefore = accrued(now) - storageCost(now);
    stoppedAt = now;
    Host h = host;
    host = null;
    hostReadyAt = null;
    return h;
  }

  /** Restarts a stopped instance: it goes through loading again. */
  synchronized boolean start(Instant now) {
    if (stoppedAt == null) {
      return false;
    }
    stoppedAt = null;
    phaseStart = now.minus(timings.untilLoading());
    return true;
  }

  synchronized String status(Instant now) {
    if (destroyedAt != null) {
      return null;
    }
    if (stoppedAt != null) {
      return "stopped";
    }
    Duration t = Duration.between(phaseStart, now);
    if (t.compareTo(timings.provisioning()) < 0) {
      return null;
    }
    if (t.compareTo(timings.untilLoading()) < 0) {
      return "created";
    }
    if (faults.exitOnStart() || hostError != null) {
      return "exited";
    }
    Instant runningAt = runningSince();
    if (runningAt == null || now.isBefore(runningAt)) {
      return "loading";
    }
    if (faults.offlineAfterMs() != null
        && !now.isBefore(runningAt.plusMillis(faults.offlineAfterMs()))) {
      return "offline";
    }
    return "running";
  }

  /** When GPU billing started (null while not running yet). */
  private Instant runningSince() {
    if (faults.stuckInLoading()
        || faults.exitOnStart()
        || hostReadyAt == null
        || hostError != null) {
      return null;
    }
    Instant earliest = phaseStart.plus(timings.untilRunning());
    return hostReadyAt.isAfter(earliest) ? hostReadyAt : earliest;
  }

  private double storageCost(Instant now) {
    double perHour = OfferFilter.number(offer.path("storage_cost")) * diskGb / 720.0;
    Instant end = destroyedAt != null ? destroyedAt : now;
    return perHour * Duration.between(createdAt, end).toMillis() / 3_600_000.0;
  }

  /** Dollars accrued so far: storage since create, GPU while running, per second. */
  synchronized double accrued(Instant now) {
    if (destroyedAt != null) {
      return accruedBefore;
    }
    double gpu = 0;
    Instant since = stoppedAt == null ? runningSince() : null;
    if (since != null && now.isAfter(since)) {
      gpu =
          OfferFilter.number(offer.path("dph_base"))
              * faults.billedPriceFactor()
              * Duration.between(since, now).toMillis()
              / 3_600_000.0;
    }
    return accruedBefore + storageCost(now) + gpu;
  }

  synchronized boolean billing() {
    return destroyedAt == null;
  }

  synchronized ObjectNode toJson(Instant now) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    String status = status(now);
    o.put("id", id);
    for (String field :
        List.of(
            "machine_id",
            "host_id",
            "bundle_id",
            "num_gpus",
            "gpu_name",
            "gpu_arch",
            "gpu_ram",
            "gpu_frac",
            "gpu_lanes",
            "gpu_mem_bw",
            "bw_nvlink",
            "cpu_name",
            "cpu_arch",
            "cpu_cores",
            "cpu_cores_effective",
            "cpu_ram",
            "disk_bw",
            "inet_up",
            "inet_down",
            "mobo_name",
            "pci_gen",
            "pcie_bw",
            "os_version",
            "cuda_max_good",
            "driver_version",
            "dph_base",
            "storage_cost",
            "min_bid",
            "credit_discount_max",
            "reliability2",
            "verification",
            "rentable",
            "external",
            "hosting_type",
            "geolocation",
            "direct_port_count",
            "static_ip",
            "dlperf",
            "total_flops",
            "score")) {
      if (offer.has(field)) {
        o.set(field, offer.get(field));
      }
    }
    o.put("gpu_totalram", offer.path("gpu_total_ram").asDouble());
    o.put("label", label);
    o.putNull("template_id");
    o.putNull("template_hash_id");
    o.put("actual_status", status);
    boolean running = "running".equals(status) || "offline".equals(status);
    String intended = stoppedAt != null ? "stopped" : "running";
    o.put("intended_status", intended);
    o.put("cur_state", stoppedAt != null ? "stopped" : "running");
    o.put("next_state", stoppedAt != null ? "stopped" : "running");
    o.put("status_msg", statusMessage(status));
    o.put("start_date", createdAt.toEpochMilli() / 1000.0);
    o.put("end_date", offer.path("end_date").asDouble());
    o.put("duration", Duration.between(createdAt, now).toMillis() / 1000.0);
    if (running) {
      o.put("uptime_mins", Duration.between(createdAt, now).toMillis() / 60000.0);
    } else {
      o.putNull("uptime_mins");
    }
    o.put("image_uuid", image);
    o.set("image_args", f.arrayNode());
    o.put("image_runtype", runtypeEcho());
    ArrayNode pairs = f.arrayNode();
    env.forEach((k, v) -> pairs.addArray().add(k).add(v));
    o.set("extra_env", pairs);
    o.put("onstart", onstart);
    o.put("jupyter_token", Long.toHexString(id * 2654435761L));
    boolean hasSsh = status != null && !"exited".equals(status);
    o.put("ssh_host", hasSsh ? "127.0.0.1" : null);
    if (hasSsh) {
      o.put("ssh_port", port);
    } else {
      o.putNull("ssh_port");
    }
    o.put("ssh_idx", "0");
    o.put("machine_dir_ssh_port", port);
    o.put("public_ipaddr", "127.0.0.1");
    o.put("local_ipaddrs", "127.0.0.1 \n");
    if (running) {
      ObjectNode ports = o.putObject("ports");
      ports
          .putArray("22/tcp")
          .addObject()
          .put("HostIp", "0.0.0.0")
          .put("HostPort", Integer.toString(port));
      o.put("direct_port_start", port);
      o.put("direct_port_end", port);
    } else {
      o.putNull("ports");
      o.put("direct_port_start", -1);
      o.put("direct_port_end", -1);
    }
    double storageHour = OfferFilter.number(offer.path("storage_cost")) * diskGb / 720.0;
    double base = OfferFilter.number(offer.path("dph_base")) * faults.billedPriceFactor();
    o.put("dph_base", base);
    o.put("disk_space", diskGb);
    o.put("disk_usage", -1);
    o.put("storage_total_cost", storageHour);
    o.put("dph_total", base + storageHour);
    o.put("is_bid", false);
    o.put("gpu_util", running ? 0.0 : null);
    o.putNull("country_code");
    o.set("volume_info", f.arrayNode());
    return o;
  }

  private String runtypeEcho() {
    if (runtype.contains("direc")) {
      return "ssh ssh_direc ssh_proxy";
    }
    return runtype.contains("jupyter") ? "jupyter_proxy ssh_proxy" : "ssh ssh_proxy";
  }

  private String statusMessage(String status) {
    if (status == null) {
      return null;
    }
    return switch (status) {
      case "created" -> "Creating container";
      case "loading" -> "4c7d45f7c63c: Download complete";
      case "exited" ->
          hostError != null
              ? "Error response from daemon: OCI runtime create failed: " + hostError
              : "container exited with code 1";
      case "offline" -> "host went offline";
      case "stopped" -> "stopped by request";
      default -> "success, running " + image + "/ssh";
    };
  }
}
