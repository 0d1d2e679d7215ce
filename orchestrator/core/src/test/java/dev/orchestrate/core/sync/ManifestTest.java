package dev.orchestrate.core.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
  @TempDir Path tree;
  @TempDir Path state;

  private Manifest build() throws IOException {
    return new ManifestBuilder(
            new HashCache(state.resolve("cache.json")), EventSink.discard(), Clock.systemUTC())
        .build(tree);
  }

  private void file(String path, String content) throws IOException {
    Path f = tree.resolve(path);
    Files.createDirectories(f.getParent());
    Files.writeString(f, content);
  }

  @Test
  void listsEveryFileWithSizeModeAndSha256() throws IOException {
    file("config.json", "{}");
    file("sub/model.bin", "abc");
    Files.setPosixFilePermissions(
        tree.resolve("sub/model.bin"), PosixFilePermissions.fromString("rwxr-x---"));
    Manifest m = build();
    assertEquals(2, m.entries().size());
    ManifestEntry bin = m.get("sub/model.bin").orElseThrow();
    assertEquals(3, bin.size());
    assertEquals(0750, bin.mode());
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", bin.sha256());
    assertEquals(5, m.totalBytes());
  }

  @Test
  void hashIsDeterministicAndContentSensitive() throws IOException {
    file("a", "1");
    file("b", "2");
    String h1 = build().hash();
    List<ManifestEntry> reversed = new ArrayList<>(build().entries());
    java.util.Collections.reverse(reversed);
    assertEquals(h1, new Manifest(reversed).hash());
    assertTrue(h1.startsWith("sha256:"));
    file("b", "3");
    assertNotEquals(h1, build().hash());
  }

  @Test
  void unchangedFilesAreNotHashedAgain() throws IOException {
    file("w", "aaaa");
    FileTime mtime = Files.getLastModifiedTime(tree.resolve("w"));
    String first = build().get("w").orElseThrow().sha256();
    // Same size and mtime: the cache answers without reading the (changed) content.
    Files.writeString(tree.resolve("w"), "bbbb");
    Files.setLastModifiedTime(tree.resolve("w"), mtime);
    assertEquals(first, build().get("w").orElseThrow().sha256());
    // A new mtime makes it read the file again.
    Files.setLastModifiedTime(tree.resolve("w"), FileTime.fromMillis(mtime.toMillis() + 5000));
    assertNotEquals(first, build().get("w").orElseThrow().sha256());
  }

  @Test
  void reportsProgressInBytes() throws IOException {
    file("x", "12345");
    List<Progress> seen = new ArrayList<>();
    new ManifestBuilder(
            new HashCache(state.resolve("c.json")), e -> seen.add((Progress) e), Clock.systemUTC())
        .build(tree);
    assertEquals(5, seen.get(seen.size() - 1).done());
    assertEquals(5, seen.get(seen.size() - 1).total());
  }

  @Test
  void damagedCacheIsIgnored() throws IOException {
    file("x", "1");
    Files.writeString(state.resolve("cache.json"), "{not json");
    assertEquals(1, build().entries().size());
  }

  @Test
  void diffTellsWhatToSend() throws IOException {
    file("same", "s");
    file("changed", "new");
    file("fresh", "f");
    Manifest local = build();
    String sha = local.get("same").orElseThrow().sha256();
    Manifest remote =
        new Manifest(
            List.of(
                new ManifestEntry("same", 1, local.get("same").orElseThrow().mode(), sha),
                new ManifestEntry("changed", 3, 0644, "0".repeat(64)),
                new ManifestEntry("stale", 1, 0644, "1".repeat(64))));
    Manifest.Diff d = local.diff(remote);
    assertEquals(List.of("changed", "fresh"), d.send().stream().map(ManifestEntry::path).toList());
    assertEquals(List.of("stale"), d.delete());
    assertEquals(4, d.bytesToSend());
    assertTrue(local.diff(local).isEmpty());
  }

  @Test
  void entriesRejectPathsThatEscape() {
    assertThrows(
        IllegalArgumentException.class, () -> new ManifestEntry("../x", 1, 0644, "0".repeat(64)));
    assertThrows(
        IllegalArgumentException.class, () -> new ManifestEntry("/abs", 1, 0644, "0".repeat(64)));
    assertThrows(
        IllegalArgumentException.class, () -> new ManifestEntry("a//b", 1, 0644, "0".repeat(64)));
    assertThrows(IllegalArgumentException.class, () -> new ManifestEntry("a", 1, 0644, "xyz"));
  }

  @Test
  void aLinkThatLeavesTheAssetsFolderIsRefusedNamingLinkAndTarget(@TempDir Path outside)
      throws IOException {
    file("config.json", "{}");
    Files.writeString(outside.resolve("ssh_host_ed25519_key"), "PRIVATE");
    Files.createSymbolicLink(tree.resolve("x"), outside);
    OrchestrateException e = assertThrows(OrchestrateException.class, this::build);
    assertTrue(e.getMessage().contains("x"), e::getMessage);
    assertTrue(e.getMessage().contains(outside.toString()), e::getMessage);
    assertTrue(e.getMessage().contains("outside the assets folder"), e::getMessage);
    assertTrue(e.hint().isPresent());

    Files.delete(tree.resolve("x"));
    Files.createSymbolicLink(tree.resolve("root"), Path.of("/"));
    OrchestrateException root = assertThrows(OrchestrateException.class, this::build);
    assertTrue(root.getMessage().contains("outside the assets folder"), root::getMessage);

    Files.delete(tree.resolve("root"));
    file("sub/a.txt", "a");
    Files.createSymbolicLink(
        tree.resolve("sub/key"),
        Path.of("../../" + outside.getFileName() + "/ssh_host_ed25519_key"));
    OrchestrateException relative = assertThrows(OrchestrateException.class, this::build);
    assertTrue(relative.getMessage().contains("sub/key"), relative::getMessage);
  }

  @Test
  void aLinkLoopIsReportedClearly() throws IOException {
    file("sub/a.txt", "a");
    Files.createSymbolicLink(tree.resolve("sub/again"), Path.of(".."));
    OrchestrateException e = assertThrows(OrchestrateException.class, this::build);
    assertTrue(e.getMessage().contains("sub/again"), e::getMessage);
    assertTrue(e.getMessage().contains("loop"), e::getMessage);
  }

  @Test
  void linksInsideTheFolderAreFollowedAsTheFilesTheyPointTo() throws IOException {
    file("blobs/abc", "weights");
    Files.createDirectories(tree.resolve("snapshot"));
    Files.createSymbolicLink(tree.resolve("snapshot/model.bin"), Path.of("../blobs/abc"));
    Files.createSymbolicLink(tree.resolve("again"), Path.of("blobs"));
    Manifest m = build();
    List<String> paths = m.entries().stream().map(ManifestEntry::path).toList();
    assertEquals(List.of("again/abc", "blobs/abc", "snapshot/model.bin"), paths);
    assertEquals(m.entries().get(1).sha256(), m.entries().get(2).sha256());
  }
}
