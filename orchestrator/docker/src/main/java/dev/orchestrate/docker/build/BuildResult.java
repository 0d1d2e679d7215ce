package dev.orchestrate.docker.build;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a build produced: the image ID (sha256 of the config we wrote), its tags, each layer's
 * diffID, size and origin, the total size, the bytes of the archive we loaded and of a full archive
 * with the base layers, whether it was already up to date, and how long it took.
 */
public record BuildResult(
    String image,
    String id,
    List<String> tags,
    List<Layer> layers,
    long size,
    long archiveBytes,
    long fullArchiveBytes,
    boolean upToDate,
    Duration took,
    Map<String, String> labels) {

  /** One layer: diffID, uncompressed size (-1 when unknown, e.g. a registry base) and origin. */
  public record Layer(String diffId, long size, String createdBy) {}

  public BuildResult {
    tags = List.copyOf(tags);
    layers = List.copyOf(layers);
    labels = Map.copyOf(labels);
  }

  public BuildResult asUpToDate(Duration newTook) {
    return new BuildResult(
        image, id, tags, layers, size, archiveBytes, fullArchiveBytes, true, newTook, labels);
  }
}
