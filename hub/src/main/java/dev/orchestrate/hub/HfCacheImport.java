package dev.orchestrate.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code assets import}: stages a revision already in a local huggingface_hub cache ({@code
 * models--org--name/{refs,blobs,snapshots}}) as real files. Each snapshot entry is a symlink into
 * {@code blobs/}, named by the blob's sha256 (LFS) or git blob id; the blob is checked against its
 * name, then hard-linked into the folder when it is on the same file system (copied otherwise), so
 * sync, the docker mount and the engine see files, never links into a cache they cannot reach.
 */
public final class HfCacheImport {
  private final Clock clock;

  public HfCacheImport(Clock clock) {
    this.clock = clock;
  }

  /** {@code HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}. */
  public static Path defaultCache(Map<String, String> env) {
    String cache = env.get("HF_HUB_CACHE");
    if (cache != null && !cache.isBlank()) {
      return Path.of(cache);
    }
    return HubSettings.hfHome(env).resolve("hub");
  }

  public PullResult importFrom(Path cache, RepoRef ref, Path dir, PullListener listener) {
    Instant start = clock.instant();
    Path repoDir = cache.resolve(ref.cacheFolder());
    if (!Files.isDirectory(repoDir)) {
      throw new HubException(
          HubException.Kind.NOT_FOUND,
          ref.repo() + " is not in the HF cache at " + cache,
          "pass --cache DIR (or set HF_HUB_CACHE), or fetch it: orchestrate assets pull " + ref);
    }
    try {
      String commit = commitOf(repoDir, ref);
      Path snapshot = repoDir.resolve("snapshots").resolve(commit);
      if (!Files.isDirectory(snapshot)) {
        throw new HubException(
            HubException.Kind.NOT_FOUND,
            "commit " + commit + " of " + ref.repo() + " is not in the HF cache at " + cache,
            "fetch it: orchestrate assets pull " + ref.repo() + "@" + commit);
      }
      List<Path> entries;
      try (Stream<Path> s = Files.list(snapshot)) {
        entries = s.filter(p -> FileSelection.wanted(p.getFileName().toString())).sorted().toList();
      }
      if (entries.stream().noneMatch(p -> p.getFileName().toString().endsWith(".safetensors"))) {
        throw new HubException(
            HubException.Kind.NOT_FOUND,
            ref.repo() + "@" + commit + " in the HF cache has no safetensors weights",
            "the cache may hold only the config; fetch the weights with orchestrate assets pull");
      }
      Files.createDirectories(dir);
      VerifiedFiles verified = VerifiedFiles.beside(dir);
      List<Pin.File> files = new ArrayList<>();
      long moved = 0;
      long total = 0;
      int linked = 0;
      int kept = 0;
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        Path blob = entry.toRealPath();
        String etag = blob.getFileName().toString();
        boolean lfs = etag.matches("[0-9a-f]{64}");
        FileDigest.Hashes h = verified.hashes("blob:" + etag, blob, !lfs);
        String got = lfs ? h.sha256() : h.blobId();
        if (!got.equals(etag)) {
          throw new HubException(
              HubException.Kind.VERIFY,
              "the HF cache's blob for "
                  + name
                  + " is damaged ("
                  + blob
                  + " hashes to "
                  + got
                  + ")",
              "delete " + blob + " and " + entry + ", then fetch again");
        }
        long size = Files.size(blob);
        total += size;
        Path target = dir.resolve(name);
        RepoFile file =
            new RepoFile(name, size, lfs ? "" : etag, lfs ? java.util.Optional.of(etag) : null);
        if (Files.isRegularFile(target) && Files.isSameFile(target, blob)) {
          kept++;
          listener.kept(file);
        } else if (stage(blob, target)) {
          linked++;
          listener.done(file, 0, "hard link");
        } else {
          moved += size;
          listener.done(file, size, "copy");
        }
        files.add(new Pin.File(name, size, h.sha256(), lfs ? null : etag));
      }
      Pin pin = new Pin(Pin.SCHEMA, ref.repo(), ref.revision(), commit, "hf-cache", files);
      pin.write(dir);
      verified.save();
      return new PullResult(
          dir,
          pin,
          moved,
          total,
          entries.size() - kept - linked,
          kept,
          linked,
          Duration.between(start, clock.instant()));
    } catch (IOException e) {
      throw new HubException(
          HubException.Kind.LOCAL,
          "cannot import " + ref + " from " + cache + " into " + dir + ": " + e.getMessage(),
          "check the cache is readable and " + dir + " writable",
          e);
    }
  }

  private static String commitOf(Path repoDir, RepoRef ref) throws IOException {
    if (ref.isCommit()) {
      return ref.revision();
    }
    Path refFile = repoDir.resolve("refs").resolve(ref.revision());
    if (!Files.isRegularFile(refFile)) {
      throw new HubException(
          HubException.Kind.NOT_FOUND,
          "revision '" + ref.revision() + "' of " + ref.repo() + " is not in the HF cache",
          "name a commit that is (ls " + repoDir.resolve("snapshots") + "), or pull it");
    }
    String commit = Files.readString(refFile, StandardCharsets.UTF_8).strip();
    if (!commit.matches("[0-9a-f]{40}")) {
      throw new HubException(
          HubException.Kind.LOCAL,
          refFile + " does not hold a commit id",
          "the cache is damaged; fetch the repo again");
    }
    return commit;
  }

  /** Hard-links {@code blob} to {@code target} (true), or copies it when that cannot be done. */
  private static boolean stage(Path blob, Path target) throws IOException {
    Path tmp = FileFetch.partOf(target);
    Files.deleteIfExists(tmp);
    boolean linked;
    try {
      Files.createLink(tmp, blob);
      linked = true;
    } catch (IOException | UnsupportedOperationException e) {
      // Another file system (or one without hard links): copy, then make it durable.
      Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
      AtomicWrite.fsync(tmp);
      linked = false;
    }
    AtomicWrite.move(tmp, target);
    return linked;
  }
}
