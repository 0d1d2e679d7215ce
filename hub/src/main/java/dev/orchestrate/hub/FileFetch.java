package dev.orchestrate.hub;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Downloads one file of a pinned commit into its folder: bytes go to a hidden {@code .<name>.part}
 * beside the target, a dropped connection resumes with {@code Range: bytes=N-} (the part's hash is
 * carried over, nothing is sent twice), the whole file is checked against the hash the Hub
 * published (LFS sha256, else the git blob id) and only then fsynced and renamed into place. Bytes
 * that do not match are thrown away and fetched again, up to {@link #VERIFY_TRIES} times.
 */
final class FileFetch {
  static final int VERIFY_TRIES = 3;

  private final HubClient client;
  private final String repo;
  private final String commit;
  private final ProgressMeter meter;
  private final PullListener listener;
  private final Duration idle;
  private final boolean directIo;

  /** {@code directIo}: write whole blocks around the page cache ({@link WritePolicy}). */
  FileFetch(
      HubClient client,
      String repo,
      String commit,
      ProgressMeter meter,
      PullListener listener,
      Duration idle,
      boolean directIo) {
    this.client = client;
    this.repo = repo;
    this.commit = commit;
    this.meter = meter;
    this.listener = listener;
    this.idle = idle;
    this.directIo = directIo;
  }

  /** The hidden partial file for {@code target}. */
  static Path partOf(Path target) {
    return target.resolveSibling("." + target.getFileName() + ".part");
  }

  /** Fetches {@code file} to {@code target}; returns its hashes and the bytes that moved. */
  Fetched fetch(RepoFile file, Path target) throws IOException {
    Path part = partOf(target);
    Files.createDirectories(target.toAbsolutePath().getParent());
    long moved = 0;
    for (int verifyTry = 1; ; verifyTry++) {
      long offset = Files.isRegularFile(part) ? Files.size(part) : 0;
      if (offset > file.size()) {
        Files.delete(part);
        offset = 0;
      }
      FileDigest digest = new FileDigest(file.size(), !file.isLfs());
      if (offset > 0) {
        digest.update(part, offset);
      }
      moved += download(file, part, offset, digest);
      FileDigest.Hashes got = digest.finish();
      Optional<String> wrong = mismatch(file, digest.length(), got);
      if (wrong.isEmpty()) {
        AtomicWrite.fsync(part);
        AtomicWrite.move(part, target);
        return new Fetched(got, moved);
      }
      Files.deleteIfExists(part);
      meter.takeBack(digest.length());
      if (verifyTry >= VERIFY_TRIES) {
        throw new HubException(
            HubException.Kind.VERIFY,
            file.path() + " failed verification " + verifyTry + " times: " + wrong.get(),
            "the bytes served differ from what the Hub lists for commit "
                + commit
                + "; check HF_ENDPOINT or any proxy in between");
      }
      listener.rejected(file, wrong.get());
    }
  }

  /** The hashes of a verified file and the bytes that came over the network for it. */
  record Fetched(FileDigest.Hashes hashes, long moved) {}

  private static Optional<String> mismatch(RepoFile file, long length, FileDigest.Hashes got) {
    if (length != file.size()) {
      return Optional.of("got " + length + " bytes, the Hub lists " + file.size());
    }
    if (file.isLfs()) {
      String want = file.lfsSha256().get();
      return want.equalsIgnoreCase(got.sha256())
          ? Optional.empty()
          : Optional.of("sha256 " + got.sha256() + ", the Hub lists " + want);
    }
    return file.blobId().equalsIgnoreCase(got.blobId())
        ? Optional.empty()
        : Optional.of("git blob id " + got.blobId() + ", the Hub lists " + file.blobId());
  }

  /** Appends bytes {@code offset..size} to {@code part}, resuming after drops. */
  private long download(RepoFile file, Path part, long offset, FileDigest digest)
      throws IOException {
    RetryPolicy.Attempts attempts = client.attempts();
    long moved = 0;
    long have = offset;
    while (have < file.size()) {
      try {
        HubClient.Opened opened = client.open(repo, commit, file.path(), have, idle);
        if (opened.startsAt() != have) {
          // The server ignored our range: start the file over.
          meter.takeBack(digest.length() - moved);
          Files.deleteIfExists(part);
          digest.reset();
          have = 0;
        }
        long before = have;
        have = copy(opened, part, have, file.size(), digest, attempts);
        moved += have - before;
        if (have < file.size()) {
          throw new HubClient.Retryable(
              "the connection dropped or stalled after " + have + " of " + file.size() + " bytes",
              Optional.empty(),
              null);
        }
      } catch (HubClient.Retryable e) {
        client.pause(attempts, e, "GET " + file.path(), listener);
        have = Files.isRegularFile(part) ? Files.size(part) : 0;
      } catch (IOException e) {
        client.pause(
            attempts,
            new HubClient.Retryable("GET " + file.path() + " failed: " + e, Optional.empty(), e),
            "GET " + file.path(),
            listener);
      }
    }
    return moved;
  }

  /**
   * Appends the body to {@code part} until it ends or the file is complete; returns the new length.
   * A broken connection ends the copy quietly (the caller resumes); a failing disk throws.
   */
  private long copy(
      HubClient.Opened opened,
      Path part,
      long have,
      long size,
      FileDigest digest,
      RetryPolicy.Attempts attempts)
      throws IOException {
    PartWriter writer;
    try {
      writer = PartWriter.open(part, directIo);
    } catch (HubException e) {
      opened.abort().close();
      throw e;
    }
    try (ReadableByteChannel in = opened.body();
        PartWriter out = writer;
        BodyPipe pipe = new BodyPipe(out, digest::update, have)) {
      boolean ended = false;
      while (have < size && !ended) {
        if (Thread.currentThread().isInterrupted()) {
          throw new HubException(HubException.Kind.INTERRUPTED, "interrupted", "");
        }
        int room = pipe.room();
        ByteBuffer buf = pipe.buffer();
        buf.limit((int) Math.min(room, size - have));
        while (buf.hasRemaining()) {
          int r;
          try {
            r = in.read(buf);
          } catch (IOException dropped) {
            r = -1; // what arrived before the drop is kept; the caller resumes after it
          }
          if (r < 0) {
            ended = true;
            break;
          }
        }
        buf.flip();
        int n = buf.remaining();
        if (n == 0) {
          pipe.giveBack(buf);
          continue;
        }
        pipe.accept(buf);
        have += n;
        meter.add(n);
        attempts.progressed();
      }
      pipe.drain();
      out.finish();
      return have;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException(HubException.Kind.INTERRUPTED, "interrupted", "", e);
    }
  }
}
