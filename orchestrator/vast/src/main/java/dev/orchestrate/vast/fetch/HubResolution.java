package dev.orchestrate.vast.fetch;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.hub.FileSelection;
import dev.orchestrate.hub.HubClient;
import dev.orchestrate.hub.HubException;
import dev.orchestrate.hub.HubSettings;
import dev.orchestrate.hub.PullListener;
import dev.orchestrate.hub.RepoFile;
import dev.orchestrate.hub.RepoListing;
import dev.orchestrate.hub.RepoRef;
import dev.orchestrate.hub.RetryPolicy;
import dev.orchestrate.hub.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The commit an {@code hf://} source resolves to, asked once on this host (one listing call) so
 * that the plan and the machine's pull name the same commit and the same sha256 list. Remembered
 * for the life of one command, failure included.
 */
public final class HubResolution {
  private static final RetryPolicy LISTING_RETRY =
      new RetryPolicy(3, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30));

  private final HubSettings settings;
  private final RepoRef ref;
  private final Clock clock;
  private Resolved resolved;
  private OrchestrateException failure;

  public HubResolution(HubSettings settings, RepoRef ref, Clock clock) {
    this.settings = settings;
    this.ref = ref;
    this.clock = clock;
  }

  /** The pinned commit and the files a run needs, with their sizes and hashes. */
  public record Resolved(RepoRef ref, String commit, List<RepoFile> files) {
    public long bytes() {
      return files.stream().mapToLong(RepoFile::size).sum();
    }

    /** {@code ORG/NAME@<commit>}: what the machine pulls. */
    public String pinnedRef() {
      return ref.repo() + "@" + commit;
    }
  }

  public RepoRef ref() {
    return ref;
  }

  public HubSettings settings() {
    return settings;
  }

  /** The listing, asked on the first call. */
  public synchronized Resolved resolve() {
    if (resolved == null && failure == null) {
      try {
        RepoListing l = client().list(ref, new PullListener() {});
        resolved = new Resolved(ref, l.commit(), FileSelection.select(l.files()));
      } catch (HubException e) {
        failure = translate(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
    return resolved;
  }

  /** The listing, or empty where the Hub cannot answer now (the plan says so and goes on). */
  public Optional<Resolved> tryResolve() {
    try {
      return Optional.of(resolve());
    } catch (OrchestrateException e) {
      return Optional.empty();
    }
  }

  /** Why {@link #tryResolve()} came back empty. */
  public synchronized Optional<String> failure() {
    return Optional.ofNullable(failure).map(Throwable::getMessage);
  }

  // One listing call, with a short retry: plan asks it too, and an offline plan should say so
  // within a minute, not wait out the pull's ten-minute budget.
  private HubClient client() {
    return new HubClient(
        settings,
        Duration.ofSeconds(10),
        clock,
        Sleeper.system(),
        LISTING_RETRY,
        RandomGenerator.getDefault());
  }

  static OrchestrateException translate(HubException e) {
    ErrorCode code =
        switch (e.kind()) {
          case USAGE -> ErrorCode.USAGE;
          case AUTH, NOT_FOUND -> ErrorCode.PROVIDER;
          case TRANSFER, VERIFY -> ErrorCode.TRANSPORT;
          case LOCAL -> ErrorCode.FAILURE;
          case INTERRUPTED -> ErrorCode.INTERRUPTED;
        };
    return new OrchestrateException(code, e.getMessage(), e.hint(), e);
  }
}
