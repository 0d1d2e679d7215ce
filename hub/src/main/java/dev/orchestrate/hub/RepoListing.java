package dev.orchestrate.hub;

import java.util.List;

/** A revision resolved: the commit it points at and every file in it. */
public record RepoListing(RepoRef ref, String commit, List<RepoFile> files) {
  public RepoListing {
    files = List.copyOf(files);
  }
}
