package dev.orchestrate.vast.client;

import java.util.Map;
import java.util.Objects;

/**
 * What we ask {@code PUT /api/v0/asks/{id}/} for. {@code env} is sent as a JSON object (the
 * docker-flag string form is wrong for create). {@code runtype} is {@code ssh_direct} or {@code
 * ssh_proxy}; {@code price} is a bid (interruptible) or null for on-demand.
 */
public record CreateInstance(
    String image,
    double diskGb,
    String label,
    Map<String, String> env,
    String onstart,
    String runtype,
    Double price) {
  public CreateInstance {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(label, "label");
    env = env == null ? Map.of() : Map.copyOf(env);
    runtype = runtype == null ? "ssh_direct" : runtype;
    if (diskGb < 8) {
      throw new IllegalArgumentException("Vast needs at least 8 GB of disk, asked " + diskGb);
    }
    if (onstart != null && onstart.length() > 4048) {
      throw new IllegalArgumentException("onstart longer than Vast's 4048 characters");
    }
  }
}
