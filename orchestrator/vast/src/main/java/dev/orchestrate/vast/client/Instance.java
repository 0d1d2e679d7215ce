package dev.orchestrate.vast.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One rented instance, as {@code GET /api/v0/instances/{id}/} and the v1 list return it. {@code
 * extra_env} arrives as {@code [[key, value], ...]} and is bound to a map; {@code ports} is
 * Docker's map and is present only once the container runs.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Instance(
    long id,
    Long machineId,
    Long hostId,
    String label,
    String actualStatus,
    String intendedStatus,
    String curState,
    String nextState,
    String statusMsg,
    String imageUuid,
    String imageRuntype,
    String sshHost,
    Integer sshPort,
    String publicIpaddr,
    Map<String, List<PortBinding>> ports,
    @JsonDeserialize(using = PairsDeserializer.class) Map<String, String> extraEnv,
    String onstart,
    Integer numGpus,
    String gpuName,
    Double diskSpace,
    Double dphBase,
    Double dphTotal,
    Double storageTotalCost,
    Boolean isBid,
    Double startDate,
    String geolocation) {

  /** States that never turn into {@code running} for a fresh instance. */
  public static final Set<String> TERMINAL = Set.of("exited", "unknown", "offline", "frozen");

  public Map<String, String> env() {
    return extraEnv == null ? Map.of() : extraEnv;
  }

  public String status() {
    return actualStatus == null ? "provisioning" : actualStatus.toLowerCase(Locale.ROOT);
  }

  public boolean isRunning() {
    return "running".equals(status());
  }

  /** True when the instance can no longer become ready (exited, unknown, offline, frozen). */
  public boolean isTerminal() {
    if (TERMINAL.contains(status())) {
      return true;
    }
    String msg = statusMsg == null ? "" : statusMsg.toLowerCase(Locale.ROOT);
    return "created".equals(status()) && msg.contains("oci runtime create failed");
  }

  /** Stopped although we asked for running: outbid, or the machine could not start it. */
  public boolean isStoppedByHost() {
    return "stopped".equals(curState) && "stopped".equals(nextState) && "stopped".equals(status());
  }

  /** The direct endpoint: {@code public_ipaddr} and the host port mapped to container port 22. */
  public Optional<SshEndpoint> directSsh() {
    if (publicIpaddr == null || publicIpaddr.isBlank() || ports == null) {
      return Optional.empty();
    }
    List<PortBinding> bindings = ports.get("22/tcp");
    if (bindings == null || bindings.isEmpty() || bindings.get(0).port() <= 0) {
      return Optional.empty();
    }
    return Optional.of(new SshEndpoint(publicIpaddr.strip(), bindings.get(0).port(), "root", true));
  }

  /** The proxy endpoint ({@code ssh_host:ssh_port}, +1 for the Jupyter runtypes). */
  public Optional<SshEndpoint> proxySsh() {
    if (sshHost == null || sshHost.isBlank() || sshPort == null || sshPort <= 0) {
      return Optional.empty();
    }
    boolean jupyter = imageRuntype != null && imageRuntype.contains("jupyter");
    return Optional.of(
        new SshEndpoint(sshHost.strip(), sshPort + (jupyter ? 1 : 0), "root", false));
  }

  /** The endpoint to use once running: direct when mapped, else the proxy (as the CLI does). */
  public Optional<SshEndpoint> sshEndpoint() {
    return directSsh().or(this::proxySsh);
  }
}
