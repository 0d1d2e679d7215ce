package dev.orchestrate.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code assets pull}: resolves a revision to a commit, keeps every selected file already in the
 * folder whose hash matches (a size+mtime cache makes that a stat per file), downloads the rest a
 * few at a time through {@link FileFetch}, then writes the {@link Pin} last. Files of an earlier
 * pin that the new commit does not have are removed once the new ones are in place; anything else
 * in the folder that the pull did not put there stops it (it would be loaded as part of the model).
 */
public final class SnapshotPull {
  public static final int DEFAULT_PARALLEL = 4;
  static final Duration PROGRESS_EVERY = Duration.ofMillis(500);
  private static final String PREVIOUS_PIN = ".pin.previous.json";

  /** How long a transfer may go without a byte before it is dropped and resumed. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  private final HubClient client;
  private final int parallel;
  private final Duration idleTimeout;
  private final long memory; // this machine's, in bytes (0: unknown); see WritePolicy

  public SnapshotPull(HubClient client, int parallel) {
    this(client, parallel, DEFAULT_IDLE_TIMEOUT);
  }

  public SnapshotPull(HubClient client, int parallel, Duration idleTimeout) {
    this(client, parallel, idleTimeout, WritePolicy.memory(WritePolicy.MEMINFO));
  }

  /** As above, on a machine of {@code memory} bytes (which decides the {@link WritePolicy}). */
  SnapshotPull(HubClient client, int parallel, Duration idleTimeout, long memory) {
    if (parallel < 1 || parallel > 16) {
      throw new HubException(
          HubException.Kind.USAGE, "--parallel must be 1..16, not " + parallel, "");
    }
    this.client = client;
    this.parallel = parallel;
    this.idleTimeout = idleTimeout;
    this.memory = memory;
  }

  public PullResult pull(RepoRef ref, Path dir, PullListener listener) {
    Instant start = client.clock().instant();
    RepoListing listing = client.list(ref, listener);
    List<RepoFile> selected = FileSelection.select(listing.files());
    if (selected.stream().noneMatch(f -> f.path().endsWith(".safetensors"))) {
      throw new HubException(
          HubException.Kind.NOT_FOUND,
          ref + " has no safetensors weights (" + listing.files().size() + " files listed)",
          "the engine reads safetensors only; pick a revision or repo that has them");
    }
    try {
      Files.createDirectories(dir);
      Set<String> ours = previousFiles(dir, listing.commit());
      refuseStrays(dir, selected, ours);
      VerifiedFiles cache = VerifiedFiles.beside(dir);
      Map<RepoFile, FileDigest.Hashes> kept = new LinkedHashMap<>();
      List<RepoFile> toFetch = new ArrayList<>();
      long toMove = 0;
      for (RepoFile f : selected) {
        Optional<FileDigest.Hashes> ok = verifiedInPlace(dir, f, cache);
        if (ok.isPresent()) {
          kept.put(f, ok.get());
          listener.kept(f);
        } else {
          toFetch.add(f);
          Path part = FileFetch.partOf(dir.resolve(f.path()));
          toMove +=
              f.size() - (Files.isRegularFile(part) ? Math.min(Files.size(part), f.size()) : 0);
        }
      }
      listener.resolved(listing, selected, toMove);
      ProgressMeter meter =
          new ProgressMeter(client.clock(), listener, PROGRESS_EVERY, toMove, toFetch.size());
      Map<RepoFile, FileFetch.Fetched> fetched = fetchAll(listing, dir, toFetch, meter, listener);
      meter.finish();

      List<Pin.File> files = new ArrayList<>();
      long moved = 0;
      long total = 0;
      for (RepoFile f : selected) {
        FileDigest.Hashes h;
        if (kept.containsKey(f)) {
          h = kept.get(f);
        } else {
          FileFetch.Fetched got = fetched.get(f);
          h = got.hashes();
          moved += got.moved();
          cache.remember(f.path(), dir.resolve(f.path()), h);
        }
        total += f.size();
        files.add(new Pin.File(f.path(), f.size(), h.sha256(), f.blobId()));
      }
      Pin pin =
          new Pin(Pin.SCHEMA, listing.ref().repo(), ref.revision(), listing.commit(), "hub", files);
      pin.write(dir);
      removeLeftovers(dir, ours, selected);
      cache.retainOnly(names(selected));
      cache.save();
      return new PullResult(
          dir,
          pin,
          moved,
          total,
          toFetch.size(),
          kept.size(),
          0,
          Duration.between(start, client.clock().instant()));
    } catch (IOException e) {
      throw new HubException(
          HubException.Kind.LOCAL,
          "cannot stage " + ref + " in " + dir + ": " + e.getMessage(),
          "check free space and permissions there",
          e);
    }
  }

  private Map<RepoFile, FileFetch.Fetched> fetchAll(
      RepoListing listing,
      Path dir,
      List<RepoFile> files,
      ProgressMeter meter,
      PullListener listener)
      throws IOException {
    Map<RepoFile, FileFetch.Fetched> out = new LinkedHashMap<>();
    if (files.isEmpty()) {
      return out;
    }
    long bytes = files.stream().mapToLong(RepoFile::size).sum();
    FileFetch fetch =
        new FileFetch(
            client,
            listing.ref().repo(),
            listing.commit(),
            meter,
            listener,
            idleTimeout,
            WritePolicy.direct(bytes, memory));
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(parallel, files.size()),
            r -> {
              Thread t = new Thread(r, "hub-fetch");
              t.setDaemon(true);
              return t;
            });
    try {
      Map<RepoFile, Future<FileFetch.Fetched>> running = new LinkedHashMap<>();
      // Largest first, so the long transfers start early and the pool drains evenly.
      files.stream()
          .sorted((a, b) -> Long.compare(b.size(), a.size()))
          .forEach(
              f ->
                  running.put(
                      f,
                      pool.submit(
                          () -> {
                            FileFetch.Fetched got = fetch.fetch(f, dir.resolve(f.path()));
                            meter.fileDone();
                            listener.done(f, got.moved(), f.isLfs() ? "sha256" : "git blob id");
                            return got;
                          })));
      for (RepoFile f : files) {
        out.put(f, await(running.get(f)));
      }
      return out;
    } finally {
      // On a failure the others stop too, and nothing writes into the folder after we return:
      // the wait goes on when this thread is the one interrupted (then the flag is set again).
      pool.shutdownNow();
      boolean interrupted = false;
      long until = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
      while (!pool.isTerminated() && System.nanoTime() < until) {
        try {
          pool.awaitTermination(
              until - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static FileFetch.Fetched await(Future<FileFetch.Fetched> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException(HubException.Kind.INTERRUPTED, "interrupted", "", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof HubException he) {
        throw he;
      }
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException(c);
    }
  }

  /** The file's hashes when it is already in place and matches the listing; empty otherwise. */
  private static Optional<FileDigest.Hashes> verifiedInPlace(
      Path dir, RepoFile f, VerifiedFiles cache) throws IOException {
    Path p = dir.resolve(f.path());
    if (!Files.isRegularFile(p) || Files.size(p) != f.size()) {
      return Optional.empty();
    }
    FileDigest.Hashes h = cache.hashes(f.path(), p, !f.isLfs());
    boolean ok =
        f.isLfs()
            ? f.lfsSha256().get().equalsIgnoreCase(h.sha256())
            : f.blobId().equalsIgnoreCase(h.blobId());
    return ok ? Optional.of(h) : Optional.empty();
  }

  /**
   * The files an earlier pull staged here: when the folder is pinned to another commit, its pin is
   * set aside (the folder is no longer what it says) and its file names are kept so the new pull
   * may replace or remove them.
   */
  private static Set<String> previousFiles(Path dir, String commit) throws IOException {
    Set<String> names = new HashSet<>();
    Path previous = dir.resolve(PREVIOUS_PIN);
    for (Path p : List.of(previous, dir.resolve(Pin.FILE_NAME))) {
      Optional<Pin> pin = Pin.readFile(p);
      pin.ifPresent(x -> x.files().forEach(f -> names.add(f.path())));
    }
    Optional<Pin> current = Pin.read(dir);
    if (current.isPresent() && !current.get().commit().equals(commit)) {
      AtomicWrite.move(dir.resolve(Pin.FILE_NAME), previous);
    }
    return names;
  }

  private static void refuseStrays(Path dir, List<RepoFile> selected, Set<String> ours)
      throws IOException {
    Set<String> allowed = new HashSet<>(names(selected));
    allowed.addAll(ours);
    List<String> strays = new ArrayList<>();
    try (var list = Files.list(dir)) {
      list.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .filter(n -> !allowed.contains(n))
          .sorted()
          .forEach(strays::add);
    }
    if (!strays.isEmpty()) {
      throw new HubException(
          HubException.Kind.LOCAL,
          dir
              + " holds files this pull did not put there: "
              + String.join(", ", strays.subList(0, Math.min(5, strays.size())))
              + (strays.size() > 5 ? " and " + (strays.size() - 5) + " more" : ""),
          "the engine would load them as part of the model; pull into an empty folder (--dir)"
              + " or remove them");
    }
  }

  private static void removeLeftovers(Path dir, Set<String> ours, List<RepoFile> selected)
      throws IOException {
    Set<String> keep = names(selected);
    for (String name : ours) {
      if (!keep.contains(name)) {
        Files.deleteIfExists(dir.resolve(name));
      }
    }
    Files.deleteIfExists(dir.resolve(PREVIOUS_PIN));
  }

  private static Set<String> names(List<RepoFile> files) {
    Set<String> s = new HashSet<>();
    files.forEach(f -> s.add(f.path()));
    return s;
  }
}
