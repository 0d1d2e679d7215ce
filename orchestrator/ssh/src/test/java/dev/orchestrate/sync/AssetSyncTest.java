package dev.orchestrate.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Progress;
import dev.orchestrate.core.sync.HashCache;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.sync.ManifestBuilder;
import dev.orchestrate.core.sync.ManifestEntry;
import dev.orchestrate.ssh.SshFixture;
import dev.orchestrate.testkit.Sshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class AssetSyncTest {
  @TempDir Path tmp;
  private final List<Event> events = new CopyOnWriteArrayList<>();

  @Test
  void sendsOnlyWhatDiffersAndVerifiesEachFile() throws Exception {
    Path staged = stage();
    try (SshFixture f = new SshFixture(tmp.resolve("ssh"))) {
      SyncOptions options = SyncOptions.to("assets/model").withChunkSize(256 * 1024);
      SyncReport first = sync(f, staged, options);
      assertEquals(7, first.filesSent(), "duplicates and empty files each land");
      assertEquals(total(staged), first.bytesSent());
      Path remote = f.sshd.home().resolve("assets/model");
      assertSameTree(staged, remote);
      assertEquals(
          "rwxr-xr-x",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(remote.resolve("run.sh"))));
      assertTrue(Files.exists(remote.resolve(".orchestrate/manifest.json")));
      assertFalse(Files.exists(remote.resolve(".orchestrate/partial")));
      assertTrue(events.stream().anyMatch(e -> e instanceof Progress));

      SyncReport noop = sync(f, staged, options);
      assertEquals(0, noop.filesSent());
      assertEquals(0, noop.bytesSent());
      assertEquals(7, noop.filesUnchanged());
      assertEquals(first.manifestHash(), noop.manifestHash());

      write(staged.resolve("shards/b.bin"), 700_000, 99);
      SyncReport changed = sync(f, staged, options);
      assertEquals(1, changed.filesSent());
      assertEquals(700_000, changed.bytesSent());
      assertSameTree(staged, remote);

      Files.setPosixFilePermissions(
          staged.resolve("config.json"), PosixFilePermissions.fromString("rw-------"));
      SyncReport chmod = sync(f, staged, options);
      assertEquals(0, chmod.filesSent());
      assertEquals(1, chmod.modesChanged());
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(
              Files.getPosixFilePermissions(remote.resolve("config.json"))));
    }
  }

  @Test
  void resendsFilesChangedBehindOurBackAndDeletesOnlyWhenAsked() throws Exception {
    Path staged = stage();
    try (SshFixture f = new SshFixture(tmp.resolve("ssh"))) {
      SyncOptions options = SyncOptions.to("assets");
      sync(f, staged, options);
      Path remote = f.sshd.home().resolve("assets");
      Files.writeString(remote.resolve("config.json"), "{\"tampered\": true}");
      Files.writeString(remote.resolve("stray.txt"), "not ours");
      Files.delete(staged.resolve("shards/a.bin"));

      SyncReport keep = sync(f, staged, options);
      assertEquals(1, keep.filesSent(), "the tampered file is sent again");
      assertTrue(Files.exists(remote.resolve("shards/a.bin")), "no delete without --delete");
      assertTrue(Files.exists(remote.resolve("stray.txt")));
      assertEquals(
          Files.readString(staged.resolve("config.json")),
          Files.readString(remote.resolve("config.json")));

      SyncReport delete = sync(f, staged, options.withDelete(true));
      assertEquals(2, delete.filesDeleted());
      assertFalse(Files.exists(remote.resolve("shards/a.bin")));
      assertFalse(Files.exists(remote.resolve("stray.txt")));
      assertSameTree(staged, remote);
    }
  }

  @Test
  void resumesAfterTheConnectionDiesMidFile() throws Exception {
    Path staged = Files.createDirectories(tmp.resolve("big"));
    int size = 24 << 20;
    write(staged.resolve("weights.bin"), size, 7);
    try (SshFixture f = new SshFixture(tmp.resolve("ssh"))) {
      int port = f.sshd.port();
      SyncOptions options = SyncOptions.to("w").withChunkSize(1 << 20).withStreams(2);
      EventSink killer =
          event -> {
            if (event instanceof Progress p
                && p.step().equals("sync")
                && p.done() > size / 3
                && f.sshd.isRunning()) {
              f.sshd.stop(); // the network is gone: listener and connections
            }
          };
      assertThrows(OrchestrateException.class, () -> sync(f, staged, options, killer));
      Path target = f.sshd.home().resolve("w/weights.bin");
      assertFalse(Files.exists(target), "no half file in place");

      try (Sshd again =
          Sshd.start(
              Sshd.Options.in(tmp.resolve("ssh/sshd"))
                  .withPort(port)
                  .withAuthorizedKeys(List.of(f.key.publicKeyLine())))) {
        SyncReport resumed = sync(f, staged, options);
        assertEquals(1, resumed.filesSent());
        assertTrue(resumed.bytesSent() > 0, "something was left to send");
        assertTrue(
            resumed.bytesSent() <= size - size / 4,
            "only the rest moves: sent " + resumed.bytesSent() + " of " + size);
        assertArrayEquals(
            Files.readAllBytes(staged.resolve("weights.bin")), Files.readAllBytes(target));
      }
    }
  }

  @Test
  void refusesAFileWhoseHashDoesNotMatchAndLeavesNothingInPlace() throws Exception {
    Path staged = stage();
    try (SshFixture f = new SshFixture(tmp.resolve("ssh"))) {
      Manifest real =
          new ManifestBuilder(new HashCache(tmp.resolve("c.json")), e -> {}, Clock.systemUTC())
              .build(staged);
      List<ManifestEntry> lying = new ArrayList<>();
      for (ManifestEntry e : real.entries()) {
        lying.add(
            e.path().equals("config.json")
                ? new ManifestEntry(e.path(), e.size(), e.mode(), "0".repeat(64))
                : e);
      }
      OrchestrateException e =
          assertThrows(
              OrchestrateException.class,
              () ->
                  new AssetSync(
                          f.connector, events::add, Clock.systemUTC(), SshFixture.fastRetrier())
                      .sync(staged, new Manifest(lying), f.endpoint(), SyncOptions.to("a")));
      assertTrue(e.getMessage().contains("arrived corrupted"), e.getMessage());
      assertFalse(Files.exists(f.sshd.home().resolve("a/config.json")));
    }
  }

  @Test
  void cancellingStopsMidChunkJournalsOnlyWholeChunksAndResumes() throws Exception {
    Path staged = Files.createDirectories(tmp.resolve("big"));
    write(staged.resolve("big.bin"), 96 << 20, 5);
    long chunk = 8L << 20;
    try (SshFixture f = new SshFixture(tmp.resolve("ssh"))) {
      Manifest manifest =
          new ManifestBuilder(new HashCache(tmp.resolve("hc.json")), e -> {}, Clock.systemUTC())
              .build(staged);
      SyncOptions options = SyncOptions.to("m").withChunkSize(chunk);
      Path remote = f.sshd.home().resolve("m");
      Path partialDir = remote.resolve(".orchestrate/partial");
      dev.orchestrate.core.run.Cancellation cancel = new dev.orchestrate.core.run.Cancellation();
      long[] cancelledAt = new long[1];
      Thread canceller =
          new Thread(
              () -> {
                // Cancel once a chunk has landed whole and the next ones are in flight.
                while (journaled(partialDir).isEmpty()) {
                  sleep(5);
                }
                cancelledAt[0] = System.nanoTime();
                cancel.cancel();
              });
      canceller.start();
      OrchestrateException e =
          assertThrows(
              OrchestrateException.class,
              () ->
                  new AssetSync(
                          f.connector,
                          events::add,
                          Clock.systemUTC(),
                          SshFixture.fastRetrier(),
                          cancel)
                      .sync(staged, manifest, f.endpoint(), options));
      long stoppedMs = (System.nanoTime() - cancelledAt[0]) / 1_000_000;
      canceller.join();
      assertEquals(dev.orchestrate.core.error.ErrorCode.INTERRUPTED, e.code(), e.getMessage());
      assertTrue(stoppedMs < 1000, "stopped " + stoppedMs + " ms after the cancel");
      assertFalse(Files.exists(remote.resolve("big.bin")), "nothing half-sent in place");
      // Every journaled chunk is whole and right; what was in flight is not journaled.
      byte[] local = Files.readAllBytes(staged.resolve("big.bin"));
      byte[] partial = Files.readAllBytes(onlyPartial(partialDir));
      List<Integer> done = journaled(partialDir);
      assertTrue(done.size() < 12, "cancelled before the end: " + done);
      for (int i : done) {
        int from = (int) (i * chunk);
        assertArrayEquals(
            java.util.Arrays.copyOfRange(local, from, from + (int) chunk),
            java.util.Arrays.copyOfRange(partial, from, from + (int) chunk),
            "chunk " + i);
      }
      SyncReport resumed =
          new AssetSync(f.connector, events::add, Clock.systemUTC(), SshFixture.fastRetrier())
              .sync(staged, manifest, f.endpoint(), options);
      assertEquals((96L << 20) - done.size() * chunk, resumed.bytesSent(), "only the rest moves");
      assertArrayEquals(local, Files.readAllBytes(remote.resolve("big.bin")));
    }
  }

  private static List<Integer> journaled(Path partialDir) {
    List<Integer> out = new ArrayList<>();
    try (var s = Files.list(partialDir)) {
      for (Path p : s.filter(x -> x.toString().endsWith(".done")).toList()) {
        for (String line : Files.readAllLines(p)) {
          if (!line.isBlank()) {
            out.add(Integer.parseInt(line.trim()));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // not there yet
    }
    return out;
  }

  private static Path onlyPartial(Path partialDir) throws IOException {
    try (var s = Files.list(partialDir)) {
      return s.filter(x -> !x.toString().endsWith(".done")).findFirst().orElseThrow();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private SyncReport sync(SshFixture f, Path staged, SyncOptions options) throws IOException {
    return sync(f, staged, options, EventSink.discard());
  }

  private SyncReport sync(SshFixture f, Path staged, SyncOptions options, EventSink extra)
      throws IOException {
    EventSink sink = ((EventSink) events::add).and(extra);
    Manifest manifest =
        new ManifestBuilder(new HashCache(tmp.resolve("hash-cache.json")), sink, Clock.systemUTC())
            .build(staged);
    return new AssetSync(f.connector, sink, Clock.systemUTC(), SshFixture.fastRetrier())
        .sync(staged, manifest, f.endpoint(), options);
  }

  private Path stage() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("staged"));
    Files.createDirectories(root.resolve("copy"));
    Files.writeString(root.resolve("config.json"), "{\"hidden_size\": 64}\n");
    write(root.resolve("shards/a.bin"), 600_000, 1);
    write(root.resolve("shards/b.bin"), 512 * 1024, 2);
    Files.writeString(root.resolve("run.sh"), "#!/bin/sh\necho hi\n");
    Files.writeString(root.resolve("copy/config.json"), "{\"hidden_size\": 64}\n");
    Files.createFile(root.resolve("empty-a"));
    Files.createFile(root.resolve("copy/empty-b"));
    Files.setPosixFilePermissions(
        root.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
    return root;
  }

  private static void write(Path file, int size, long seed) throws IOException {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    Files.createDirectories(file.getParent());
    Files.write(file, data);
  }

  private static long total(Path root) throws IOException {
    try (var s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void assertSameTree(Path expected, Path actual) throws IOException {
    try (var s = Files.walk(expected)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        Path other = actual.resolve(expected.relativize(p).toString());
        assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(other), p.toString());
      }
    }
  }
}
