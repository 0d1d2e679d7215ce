package dev.orchestrate.hub;

import java.time.Duration;
import java.util.List;

/**
 * What a pull or an import reports while it works; the front-ends render it (a human view or JSON
 * lines). Called from several download threads at once: implementations must be thread-safe.
 */
public interface PullListener {
  /** The revision is resolved; {@code toFetch} of the selected files' bytes must move. */
  default void resolved(RepoListing listing, List<RepoFile> selected, long toFetch) {}

  /** A file already in the folder matched its hash; nothing moves for it. */
  default void kept(RepoFile file) {}

  default void progress(PullProgress progress) {}

  /** A file was verified and renamed into place; {@code moved} bytes came over the network. */
  default void done(RepoFile file, long moved, String how) {}

  /** Bytes did not match the published hash: they were thrown away and will be fetched again. */
  default void rejected(RepoFile file, String reason) {}

  default void retrying(String what, int attempt, Duration wait, String reason) {}

  static PullListener none() {
    return new PullListener() {};
  }
}
