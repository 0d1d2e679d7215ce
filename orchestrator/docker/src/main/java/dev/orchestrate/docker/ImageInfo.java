package dev.orchestrate.docker;

import java.util.List;
import java.util.Map;

/** What the daemon knows about an image: full ID, tags, diffIDs, labels and size in bytes. */
public record ImageInfo(
    String id, List<String> repoTags, List<String> diffIds, Map<String, String> labels, long size) {
  public ImageInfo {
    repoTags = repoTags == null ? List.of() : List.copyOf(repoTags);
    diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
