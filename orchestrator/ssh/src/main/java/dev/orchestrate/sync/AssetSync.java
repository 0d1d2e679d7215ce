package dev.orchestrate.sync;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.sync.ManifestEntry;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.Connector;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.ExecResult;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.sync.RemoteState.RemoteEntry;
import dev.orchestrate.sync.TransferPlan.Chunk;
import dev.orchestrate.sync.TransferPlan.PendingFile;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Pushes a staged tree to a machine: compares the local {@link Manifest} with the one kept next to
 * the files there, sends only what differs in chunks over several connections, resumes chunks that
 * an interrupted run already landed, verifies each file's SHA-256 on the machine and renames it
 * into place, and deletes extra files only when asked to.
 */
public final class AssetSync {

  private final Connector connector;
  private final EventSink events;
  private final Clock clock;
  private final Retrier retrier;
  private final Cancellation cancellation;

  public AssetSync(Connector connector, EventSink events, Clock clock, Retrier retrier) {
    this(connector, events, clock, retrier, new Cancellation());
  }

  /**
   * @param cancellation Ctrl-C: every stream stops within a read of its chunk (the chunk in flight
   *     is not journaled), what landed is recorded, and the sync throws {@code INTERRUPTED}
   */
  public AssetSync(
      Connector connector,
      EventSink events,
      Clock clock,
      Retrier retrier,
      Cancellation cancellation) {
    this.connector = connector;
    this.events = events;
    this.clock = clock;
    this.retrier = retrier;
    this.cancellation = cancellation;
  }

  /** Syncs the files of {@code local} (found under {@code localRoot}) to {@code endpoint}. */
  public SyncReport sync(Path localRoot, Manifest local, Endpoint endpoint, SyncOptions options) {
    try (Transport main = connector.connect(endpoint)) {
      return sync(localRoot, local, main, options);
    }
  }

  /**
   * Like {@link #sync(Path, Manifest, Endpoint, SyncOptions)} over a connection that is already
   * open (the {@code up} flow has one): comparing costs one round trip, and more connections are
   * opened only when there are bytes to move.
   */
  public SyncReport sync(Path localRoot, Manifest local, Transport main, SyncOptions options) {
    long startNanos = System.nanoTime();
    Endpoint endpoint = main.endpoint();
    RemoteLayout layout = new RemoteLayout(options.remoteRoot());
    RemoteManifestStore store = new RemoteManifestStore(layout);
    RemoteState state = store.read(main);
    Manifest.Diff diff = local.diff(state.manifest());
    Map<String, RemoteEntry> entries = new ConcurrentHashMap<>(state.trusted());
    Set<String> localPaths = new HashSet<>();
    local.entries().forEach(e -> localPaths.add(e.path()));
    entries.keySet().retainAll(localPaths); // without --delete, extra files stay untracked

    long bytesSent = 0;
    if (!diff.send().isEmpty()) {
      TransferPlan plan =
          new TransferPlan(diff.send(), prepare(main, layout, diff.send()), options.chunkSize());
      bytesSent = transfer(localRoot, endpoint, options, layout, store, plan, main, entries);
    }
    for (ManifestEntry e : diff.chmod()) {
      run(main, "chmod " + Integer.toOctalString(e.mode()) + " " + layout.q(e.path()), e.path());
      RemoteEntry old = entries.get(e.path());
      entries.put(e.path(), new RemoteEntry(e.path(), e.size(), e.mode(), e.sha256(), old.mtime()));
    }
    int deleted = 0;
    if (options.delete()) {
      List<String> extra =
          state.files().keySet().stream().filter(p -> !localPaths.contains(p)).sorted().toList();
      deleteAll(main, layout, extra);
      deleted = extra.size();
    }
    if (!diff.isEmpty() || deleted > 0 || !entries.keySet().equals(state.trusted().keySet())) {
      store.write(main, entries.values());
    }
    Manifest now =
        new Manifest(entries.values().stream().map(RemoteEntry::toManifestEntry).toList());
    return new SyncReport(
        diff.send().size(),
        bytesSent,
        local.entries().size() - diff.send().size() - diff.chmod().size(),
        deleted,
        diff.chmod().size(),
        Duration.ofNanos(System.nanoTime() - startNanos),
        now.hash());
  }

  /** Creates the folders and reads the journals of interrupted transfers (one round trip). */
  private Map<String, Set<Integer>> prepare(
      Transport t, RemoteLayout layout, List<ManifestEntry> send) {
    StringBuilder line = new StringBuilder("mkdir -p ").append(layout.q(layout.partialDir()));
    line.append(" && cd ").append(layout.q(layout.partialDir())).append(" && for f in");
    send.forEach(e -> line.append(' ').append(RemoteLayout.partialName(e)).append(".done"));
    line.append("; do [ -f \"$f\" ] && sed \"s/^/$f /\" \"$f\"; done; true");
    ExecResult r = run(t, line.toString(), "the partial-file folder");
    Map<String, Set<Integer>> journals = new HashMap<>();
    for (String row : r.stdout().split("\n")) {
      String[] parts = row.trim().split(" ");
      if (parts.length == 2 && parts[0].endsWith(".done")) {
        String name = parts[0].substring(0, parts[0].length() - ".done".length());
        try {
          journals.computeIfAbsent(name, k -> new HashSet<>()).add(Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
          // a torn journal line: that chunk is sent again
        }
      }
    }
    return journals;
  }

  private long transfer(
      Path localRoot,
      Endpoint endpoint,
      SyncOptions options,
      RemoteLayout layout,
      RemoteManifestStore store,
      TransferPlan plan,
      Transport main,
      Map<String, RemoteEntry> entries) {
    TransferMeter meter =
        new TransferMeter(events, clock, dev.orchestrate.core.step.StepId.SYNC.id(), plan.bytes());
    events.accept(
        new Notice(
            clock.instant(),
            "sending "
                + plan.fileCount()
                + " file(s), "
                + TransferMeter.size(plan.bytes())
                + " over "
                + options.streams()
                + " stream(s)"));
    if (plan.bytes() > 64L << 20 && jitLimitedToC1()) {
      events.accept(
          new Warning(
              clock.instant(),
              "this JVM runs with -XX:TieredStopAtLevel=1: JSch's AES-GCM then moves about 25 MB/s"
                  + " instead of 200-450 MB/s",
              "run transfers in a JVM without that flag (bin/orchestrate sets it for quick"
                  + " start-up)"));
    }
    ConcurrentLinkedQueue<Chunk> queue = new ConcurrentLinkedQueue<>(plan.chunks());
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    Object manifestLock = new Object();
    long[] lastWrite = {System.nanoTime()};
    // The remote manifest is what lets a rerun skip files already in place; it is rewritten after
    // a large file, or at most once a second for small ones (and always at the end).
    FileFinisher finisher =
        (sender, file) -> {
          RemoteEntry entry = sender.finish(file.entry);
          entries.put(entry.path(), entry);
          synchronized (manifestLock) {
            long now = System.nanoTime();
            if (file.entry.size() >= options.chunkSize() || now - lastWrite[0] > 1_000_000_000L) {
              store.write(sender.transport(), entries.values());
              lastWrite[0] = now;
            }
          }
          events.accept(
              new Notice(
                  clock.instant(),
                  "synced "
                      + file.entry.path()
                      + " ("
                      + TransferMeter.size(file.entry.size())
                      + ", sha256 verified on the machine) "
                      + meter.summary()));
        };
    for (PendingFile done : plan.alreadyComplete()) {
      if (cancellation.isCancelled()) {
        throw ChunkSender.interrupted();
      }
      finisher.finish(new ChunkSender(main, layout, localRoot, meter, cancellation), done);
    }
    int workers = Math.min(options.streams(), Math.max(1, plan.chunks().size()));
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      Thread thread =
          new Thread(
              () -> work(endpoint, layout, localRoot, meter, queue, finisher, failure),
              "sync-stream-" + w);
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failure.compareAndSet(
            null, new OrchestrateException(ErrorCode.INTERRUPTED, "sync interrupted", null, e));
      }
    }
    if (cancellation.isCancelled()) {
      saveProgress(store, main, entries);
      throw ChunkSender.interrupted();
    }
    if (failure.get() != null) {
      saveProgress(store, main, entries);
      throw failure.get();
    }
    run(main, "rm -rf " + layout.q(layout.partialDir()), "the partial-file folder");
    return meter.done();
  }

  private void work(
      Endpoint endpoint,
      RemoteLayout layout,
      Path localRoot,
      TransferMeter meter,
      ConcurrentLinkedQueue<Chunk> queue,
      FileFinisher finisher,
      AtomicReference<RuntimeException> failure) {
    try (Transport t = connector.connect(endpoint)) {
      ChunkSender sender = new ChunkSender(t, layout, localRoot, meter, cancellation);
      for (Chunk chunk;
          failure.get() == null
              && !cancellation.isCancelled()
              && (chunk = queue.poll()) != null; ) {
        sendWithRetries(sender, chunk, cancellation);
        if (chunk.file().chunksLeft.decrementAndGet() == 0 && !cancellation.isCancelled()) {
          finisher.finish(sender, chunk.file());
        }
      }
    } catch (RuntimeException e) {
      failure.compareAndSet(null, e);
    }
  }

  // A dropped connection costs only the chunk in flight: the transport reconnects (under its
  // connect policy) on the next call and the chunk is written again from its start.
  private void sendWithRetries(ChunkSender sender, Chunk chunk, Cancellation cancellation) {
    retrier.run(
        RetryPolicyName.SYNC_CHUNK,
        "sending chunk " + chunk.index() + " of " + chunk.file().entry.path(),
        cancellation::isCancelled,
        () -> sender.send(chunk));
  }

  // The GHASH and AES-CTR intrinsics that make JSch's ciphers fast exist only in C2.
  static boolean jitLimitedToC1() {
    return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .anyMatch(a -> a.startsWith("-XX:TieredStopAtLevel=") && !a.endsWith("=4"));
  }

  // Best effort after a failure: record the files that did land, so the next run skips them.
  private static void saveProgress(
      RemoteManifestStore store, Transport main, Map<String, RemoteEntry> entries) {
    try {
      store.write(main, entries.values());
    } catch (RuntimeException e) {
      // the connection is gone; the next run re-checks those files instead
    }
  }

  private static void deleteAll(Transport t, RemoteLayout layout, List<String> paths) {
    for (int i = 0; i < paths.size(); i += 200) {
      StringBuilder line = new StringBuilder("rm -f --");
      paths
          .subList(i, Math.min(paths.size(), i + 200))
          .forEach(p -> line.append(' ').append(layout.q(p)));
      run(t, line.toString(), "extra files");
    }
  }

  private static ExecResult run(Transport t, String line, String what) {
    ExecResult r = t.run(Command.of(line));
    if (!r.succeeded()) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "updating " + what + " on " + t.endpoint().machineId() + " failed: " + r.stderr().trim(),
          "check free disk space and permissions on the machine");
    }
    return r;
  }

  @FunctionalInterface
  private interface FileFinisher {
    void finish(ChunkSender sender, PendingFile file);
  }
}
