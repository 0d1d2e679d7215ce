package dev.orchestrate.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports from a cache laid out exactly as huggingface_hub lays it out: {@code
 * models--org--name/refs/main} holding the commit, {@code blobs/<sha256 or git blob id>}, and
 * {@code snapshots/<commit>/<file>} as relative symlinks {@code ../../blobs/<etag>}.
 */
class HfCacheImportTest {
  private static final String COMMIT = "c5f4e1b0d9a8f7e6d5c4b3a291807f6e5d4c3b2a";
  @TempDir Path tmp;

  /** Writes the cache for the files of {@code source}; returns the cache root. */
  private Path cache(Path source) throws IOException {
    Path root = tmp.resolve("hf/hub");
    Path repo = root.resolve("models--allenai--OLMo-2-0425-1B");
    Files.createDirectories(repo.resolve("refs"));
    Files.createDirectories(repo.resolve("blobs"));
    Path snap = repo.resolve("snapshots").resolve(COMMIT);
    Files.createDirectories(snap);
    Files.writeString(repo.resolve("refs/main"), COMMIT, StandardCharsets.UTF_8);
    try (Stream<Path> s = Files.list(source)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        String name = f.getFileName().toString();
        boolean lfs = name.endsWith(".safetensors") || name.endsWith(".bin");
        FileDigest.Hashes h = FileDigest.of(f, true);
        String etag = lfs ? h.sha256() : h.blobId();
        Files.copy(f, repo.resolve("blobs").resolve(etag));
        Files.createSymbolicLink(snap.resolve(name), Path.of("../../blobs/" + etag));
      }
    }
    return root;
  }

  @Test
  void stagesRealHardLinkedFilesVerifiedAndPinned() throws IOException {
    Path source = Fixtures.sharded(tmp.resolve("src"), 5);
    Path cache = cache(source);
    Path dir = tmp.resolve("llm_raw/olmo_2");

    PullResult r =
        new HfCacheImport(Clock.systemUTC())
            .importFrom(cache, RepoRef.parse("allenai/OLMo-2-0425-1B"), dir, PullListener.none());

    Set<String> names;
    try (Stream<Path> s = Files.list(dir)) {
      names =
          s.map(p -> p.getFileName().toString())
              .filter(n -> !n.startsWith("."))
              .collect(Collectors.toSet());
    }
    assertEquals(8, names.size(), names.toString());
    assertFalse(names.contains("pytorch_model.bin"));
    for (String n : names) {
      Path p = dir.resolve(n);
      assertFalse(Files.isSymbolicLink(p), n + " is a real file");
      assertEquals(2, (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS), n);
      assertEquals(FileDigest.of(source.resolve(n), false), FileDigest.of(p, false));
    }
    assertEquals(8, r.linked());
    assertEquals(0, r.moved());
    Pin pin = Pin.read(dir).orElseThrow();
    assertEquals(COMMIT, pin.commit());
    assertEquals("hf-cache", pin.source());
    assertEquals(
        FileDigest.of(source.resolve(Fixtures.SHARD1), false).sha256(),
        pin.files().stream()
            .filter(f -> f.path().equals(Fixtures.SHARD1))
            .findFirst()
            .orElseThrow()
            .sha256());

    PullResult again =
        new HfCacheImport(Clock.systemUTC())
            .importFrom(
                cache, RepoRef.parse("allenai/OLMo-2-0425-1B@" + COMMIT), dir, PullListener.none());
    assertEquals(8, again.kept());
    assertEquals(0, again.linked(), "already the same inode: nothing linked again");
    assertEquals(COMMIT, Pin.read(dir).orElseThrow().revision());
  }

  @Test
  void aDamagedBlobIsRefused() throws IOException {
    Path cache = cache(Fixtures.sharded(tmp.resolve("src"), 6));
    Path snap =
        cache.resolve(
            "models--allenai--OLMo-2-0425-1B/snapshots/" + COMMIT + "/" + Fixtures.SHARD2);
    Path blob = snap.toRealPath();
    byte[] b = Files.readAllBytes(blob);
    b[7] ^= 1;
    Files.write(blob, b);

    HubException e =
        assertThrows(
            HubException.class,
            () ->
                new HfCacheImport(Clock.systemUTC())
                    .importFrom(
                        cache,
                        RepoRef.parse("allenai/OLMo-2-0425-1B"),
                        tmp.resolve("out"),
                        PullListener.none()));
    assertEquals(HubException.Kind.VERIFY, e.kind());
    assertTrue(
        e.getMessage().startsWith("the HF cache's blob for " + Fixtures.SHARD2 + " is damaged"));
    assertTrue(Pin.read(tmp.resolve("out")).isEmpty());
  }

  @Test
  void aRepoOrRevisionMissingFromTheCacheSaysHowToGetIt() throws IOException {
    Path cache = cache(Fixtures.single(tmp.resolve("src"), 1));
    HfCacheImport imp = new HfCacheImport(Clock.systemUTC());
    HubException repo =
        assertThrows(
            HubException.class,
            () ->
                imp.importFrom(
                    cache, RepoRef.parse("allenai/other"), tmp.resolve("o"), PullListener.none()));
    assertEquals("allenai/other is not in the HF cache at " + cache, repo.getMessage());
    assertEquals(
        "pass --cache DIR (or set HF_HUB_CACHE), or fetch it: orchestrate assets pull"
            + " allenai/other@main",
        repo.hint());
    HubException rev =
        assertThrows(
            HubException.class,
            () ->
                imp.importFrom(
                    cache,
                    RepoRef.parse("allenai/OLMo-2-0425-1B@v2"),
                    tmp.resolve("o"),
                    PullListener.none()));
    assertEquals(HubException.Kind.NOT_FOUND, rev.kind());
  }

  @Test
  void theDefaultCacheFollowsHuggingfaceHub() {
    assertEquals(
        Path.of("/c"), HfCacheImport.defaultCache(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/h")));
    assertEquals(Path.of("/h/hub"), HfCacheImport.defaultCache(Map.of("HF_HOME", "/h")));
    assertEquals(
        Path.of("/home/u/.cache/huggingface/hub"),
        HfCacheImport.defaultCache(Map.of("HOME", "/home/u")));
  }
}
