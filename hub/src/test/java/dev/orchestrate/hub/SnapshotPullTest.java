package dev.orchestrate.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.hubsim.HubServer;
import dev.orchestrate.hubsim.HubSim;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from the Hub stand-in over real loopback HTTP (two ports: API and CDN). */
class SnapshotPullTest {
  private static final String REPO = "allenai/OLMo-2-sim-1B";
  private static final Set<String> SELECTED =
      Set.of(
          Fixtures.SHARD1,
          Fixtures.SHARD2,
          "model.safetensors.index.json",
          "config.json",
          "generation_config.json",
          "tokenizer.json",
          "tokenizer_config.json",
          "special_tokens_map.json");

  @TempDir Path tmp;
  private HubServer hub;
  private String commit;
  private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
  private final Recorder events = new Recorder();

  @BeforeEach
  void start() throws IOException {
    hub = new HubServer(0, 0, HubSim.DEFAULT_TOKEN).start();
    commit = hub.repo(REPO, false).addCommit("main", Fixtures.sharded(tmp.resolve("repo"), 1));
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private SnapshotPull pull(Optional<HubToken> token) {
    return pull(token, SnapshotPull.DEFAULT_IDLE_TIMEOUT);
  }

  private SnapshotPull pull(Optional<HubToken> token, Duration idle) {
    return pull(token, idle, 1); // a machine too small to cache anything: direct I/O throughout
  }

  private SnapshotPull pull(Optional<HubToken> token, Duration idle, long memory) {
    HubSettings settings = new HubSettings(hub.endpoint(), token);
    HubClient client =
        new HubClient(
            settings,
            Duration.ofSeconds(20),
            Clock.systemUTC(),
            sleeps::add,
            RetryPolicy.standard(),
            new Random(7));
    return new SnapshotPull(client, 3, idle, memory);
  }

  private SnapshotPull pull() {
    return pull(Optional.empty());
  }

  @Test
  void pullsAShardedSnapshotVerifiedAndPinned() throws IOException {
    Path dir = tmp.resolve("llm_raw/olmo_2");
    PullResult r = pull().pull(RepoRef.parse(REPO), dir, events);

    assertEquals(SELECTED, names(dir), "exactly what an OLMo-2 run needs, nothing half-written");
    Pin pin = Pin.read(dir).orElseThrow();
    assertEquals(commit, pin.commit());
    assertEquals("main", pin.revision());
    assertEquals(SELECTED, pin.files().stream().map(Pin.File::path).collect(Collectors.toSet()));
    for (Pin.File f : pin.files()) {
      Path p = dir.resolve(f.path());
      assertEquals(f.size(), Files.size(p), f.path());
      assertEquals(FileDigest.of(p, false).sha256(), f.sha256(), f.path());
    }
    assertEquals(r.totalBytes(), r.moved());
    assertEquals(
        r.totalBytes(), hub.stats().totalBytesServed(), "each selected byte served once, no more");
    assertEquals(0, hub.stats().bytesServed(REPO + "/pytorch_model.bin"));
    assertEquals(0, hub.stats().cdnAuthorized());
    assertTrue(events.lines.stream().anyMatch(l -> l.startsWith("progress ")));
  }

  @Test
  void aSnapshotThatFitsInMemoryIsPulledThroughThePageCacheVerifiedAlike() throws IOException {
    Path dir = tmp.resolve("snap");
    long memory = 64L << 30;
    assertFalse(WritePolicy.direct(Fixtures.SHARD1_SIZE + Fixtures.SHARD2_SIZE, memory));
    hub.faults().cut(Fixtures.SHARD1, 1_000_000, 1);

    pull(Optional.empty(), SnapshotPull.DEFAULT_IDLE_TIMEOUT, memory)
        .pull(RepoRef.parse(REPO), dir, events);

    Pin pin = Pin.read(dir).orElseThrow();
    for (Pin.File f : pin.files()) {
      assertEquals(FileDigest.of(dir.resolve(f.path()), false).sha256(), f.sha256(), f.path());
    }
    assertEquals(1, hub.stats().answers(206), "the cut file resumed with a Range");
  }

  @Test
  void theSameCommitAgainMovesZeroBytes() throws IOException {
    Path dir = tmp.resolve("snap");
    pull().pull(RepoRef.parse(REPO), dir, events);
    long served = hub.stats().totalBytesServed();
    String pinBefore = Files.readString(dir.resolve(Pin.FILE_NAME));

    PullResult again = pull().pull(RepoRef.parse(REPO + "@" + commit), dir, events);

    assertEquals(0, again.moved());
    assertEquals(SELECTED.size(), again.kept());
    assertEquals(served, hub.stats().totalBytesServed(), "no file body served the second time");
    assertEquals(
        pinBefore.replace("\"main\"", "\"" + commit + "\""),
        Files.readString(dir.resolve(Pin.FILE_NAME)));
  }

  @Test
  void aFileChangedOnDiskIsFetchedAgain() throws IOException {
    Path dir = tmp.resolve("snap");
    pull().pull(RepoRef.parse(REPO), dir, events);
    Path shard = dir.resolve(Fixtures.SHARD2);
    byte[] b = Files.readAllBytes(shard);
    b[100] ^= 1;
    Files.write(shard, b); // same size, new mtime: the cache must not vouch for it
    hub.stats().reset();

    PullResult again = pull().pull(RepoRef.parse(REPO), dir, events);

    assertEquals(Fixtures.SHARD2_SIZE, again.moved());
    assertEquals(Fixtures.SHARD2_SIZE, hub.stats().bytesServed(REPO + "/" + Fixtures.SHARD2));
  }

  @Test
  void aCorruptedBlobIsRefusedFetchedAgainAndNeverStaged() throws IOException {
    Path dir = tmp.resolve("snap");
    hub.faults().corrupt(Fixtures.SHARD1, 1);
    List<Boolean> visibleWhenRejected = new ArrayList<>();
    PullListener watch =
        new PullListener() {
          @Override
          public void rejected(RepoFile file, String reason) {
            visibleWhenRejected.add(Files.exists(dir.resolve(file.path())));
            events.rejected(file, reason);
          }
        };

    pull().pull(RepoRef.parse(REPO), dir, watch);

    assertEquals(List.of(false), visibleWhenRejected, "rejected once, never visible");
    assertTrue(events.lines.stream().anyMatch(l -> l.contains("sha256")), events.lines.toString());
    assertEquals(2L * Fixtures.SHARD1_SIZE, hub.stats().bytesServed(REPO + "/" + Fixtures.SHARD1));
    assertEquals(
        Pin.read(dir).orElseThrow().files().stream()
            .filter(f -> f.path().equals(Fixtures.SHARD1))
            .findFirst()
            .orElseThrow()
            .sha256(),
        FileDigest.of(dir.resolve(Fixtures.SHARD1), false).sha256());
  }

  @Test
  void aBlobCorruptedEveryTimeFailsAndLeavesNothingBehind() {
    Path dir = tmp.resolve("snap");
    hub.faults().corrupt("config.json", 99);

    HubException e =
        assertThrows(HubException.class, () -> pull().pull(RepoRef.parse(REPO), dir, events));

    assertEquals(HubException.Kind.VERIFY, e.kind());
    assertTrue(
        e.getMessage().startsWith("config.json failed verification 3 times"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("config.json")));
    assertFalse(Files.exists(dir.resolve(".config.json.part")));
    assertTrue(Pin.read(dir).isEmpty(), "no pin: the folder is not complete");
  }

  @Test
  void aDropMidFileResumesWithRangeWithoutResendingWhatArrived() throws IOException {
    Path dir = tmp.resolve("snap");
    hub.faults().cut(Fixtures.SHARD1, 1_000_000, 1);

    pull().pull(RepoRef.parse(REPO), dir, events);

    // What the client had when the socket dropped is not sent again; a restart from byte 0 would
    // re-send the 1,000,000 bytes before the cut (a few bytes in flight at the cut may be).
    long resent = hub.stats().bytesServed(REPO + "/" + Fixtures.SHARD1) - Fixtures.SHARD1_SIZE;
    assertTrue(resent >= 0 && resent < 64 * 1024, "re-sent " + resent + " bytes");
    assertEquals(1, hub.stats().answers(206), "one ranged request resumed the file");
    assertTrue(events.lines.stream().anyMatch(l -> l.startsWith("retry GET " + Fixtures.SHARD1)));
    assertEquals(
        FileDigest.of(tmp.resolve("repo").resolve(Fixtures.SHARD1), false).sha256(),
        FileDigest.of(dir.resolve(Fixtures.SHARD1), false).sha256());
  }

  @Test
  void aStalledTransferIsDroppedAndResumed() throws IOException {
    Path dir = tmp.resolve("snap");
    hub.faults().stall(Fixtures.SHARD1, 1_500_000, 4_000, 1);

    pull(Optional.empty(), Duration.ofMillis(1000)).pull(RepoRef.parse(REPO), dir, events);

    assertTrue(
        events.lines.stream()
            .anyMatch(l -> l.startsWith("retry GET " + Fixtures.SHARD1) && l.contains("stalled")),
        events.lines.toString());
    assertEquals(1, hub.stats().answers(206), "resumed with a Range after the stall");
    assertEquals(
        FileDigest.of(tmp.resolve("repo").resolve(Fixtures.SHARD1), false).sha256(),
        FileDigest.of(dir.resolve(Fixtures.SHARD1), false).sha256());
  }

  @Test
  @Timeout(120)
  void anInterruptedPullShowsNoPartialFileAndTheNextOneSendsOnlyTheRest() throws Exception {
    Path dir = tmp.resolve("snap");
    hub.faults().stall(Fixtures.SHARD1, 2_500_000, 60_000, 1);
    HubClient client =
        new HubClient(
            new HubSettings(hub.endpoint(), Optional.empty()),
            Duration.ofSeconds(20),
            Clock.systemUTC(),
            Sleeper.system(),
            RetryPolicy.standard(),
            new Random(7));
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread pulling =
        new Thread(
            () -> {
              try {
                new SnapshotPull(client, 3).pull(RepoRef.parse(REPO), dir, events);
              } catch (Throwable e) {
                failure.set(e);
              }
            });
    pulling.start();
    Path part = FileFetch.partOf(dir.resolve(Fixtures.SHARD1));
    // The transfer holds at the stall; the part file has what filled whole buffers before it.
    long before = 2_500_000 - BodyPipe.BUFFER_SIZE;
    while (!Files.isRegularFile(part) || Files.size(part) < before) {
      assertTrue(pulling.isAlive(), "the pull ended before the stall: " + failure.get());
      Thread.sleep(10);
    }
    pulling.interrupt();
    pulling.join();

    assertTrue(
        failure.get() instanceof HubException e && e.kind() == HubException.Kind.INTERRUPTED,
        String.valueOf(failure.get()));
    assertFalse(Files.exists(dir.resolve(Fixtures.SHARD1)), "a partial file became visible");
    assertTrue(Pin.read(dir).isEmpty(), "no pin: the folder is not complete");
    long kept = Files.size(part);

    hub.faults().clear();
    pull().pull(RepoRef.parse(REPO), dir, events);
    long served = hub.stats().bytesServed(REPO + "/" + Fixtures.SHARD1);
    // Bytes received but not yet written at the interrupt (under one buffer) may come again; a
    // restart from byte 0 would re-send all that the part file kept.
    long resent = served - Fixtures.SHARD1_SIZE;
    assertTrue(kept >= before, "kept " + kept);
    assertTrue(resent >= 0 && resent < BodyPipe.BUFFER_SIZE, "re-sent " + resent);
    assertEquals(
        FileDigest.of(tmp.resolve("repo").resolve(Fixtures.SHARD1), false).sha256(),
        FileDigest.of(dir.resolve(Fixtures.SHARD1), false).sha256());
  }

  @Test
  void aPartLeftByAnInterruptedRunIsResumed() throws IOException {
    Path dir = tmp.resolve("snap");
    Files.createDirectories(dir);
    byte[] whole = Files.readAllBytes(tmp.resolve("repo").resolve(Fixtures.SHARD2));
    Files.write(
        dir.resolve("." + Fixtures.SHARD2 + ".part"), java.util.Arrays.copyOf(whole, 500_000));

    pull().pull(RepoRef.parse(REPO), dir, events);

    assertEquals(
        Fixtures.SHARD2_SIZE - 500_000L, hub.stats().bytesServed(REPO + "/" + Fixtures.SHARD2));
    assertEquals(Fixtures.SHARD2_SIZE, Files.size(dir.resolve(Fixtures.SHARD2)));
  }

  @Test
  void rateLimitsAndServerErrorsAreRetriedHonouringRetryAfter() {
    Path dir = tmp.resolve("snap");
    hub.faults().rateLimit(2, 7);
    pull().pull(RepoRef.parse(REPO), dir, events);
    assertTrue(
        sleeps.stream().filter(d -> d.equals(Duration.ofSeconds(7))).count() >= 2,
        sleeps.toString());
    assertEquals(2, hub.stats().answers(429));

    hub.faults().serverErrors(3);
    sleeps.clear();
    pull().pull(RepoRef.parse(REPO), tmp.resolve("snap2"), events);
    assertEquals(3, sleeps.size());
    assertTrue(sleeps.stream().allMatch(d -> d.compareTo(Duration.ofSeconds(30)) <= 0));
  }

  @Test
  void aBurstLongerThanThePolicyFailsWithAOneLineError() {
    hub.faults().serverErrors(100);
    HubException e =
        assertThrows(
            HubException.class,
            () -> pull().pull(RepoRef.parse(REPO), tmp.resolve("snap"), events));
    assertEquals(HubException.Kind.TRANSFER, e.kind());
    assertTrue(e.getMessage().contains("failed after 8 tries: HTTP 503"), e.getMessage());
  }

  @Test
  void aGatedRepoSaysToAcceptTheLicenceAndTheTokenNeverLeaks() throws IOException {
    String gated = "allenai/OLMo-2-gated";
    hub.repo(gated, true).addCommit("main", Fixtures.single(tmp.resolve("g"), 3));

    HubException e =
        assertThrows(
            HubException.class,
            () -> pull().pull(RepoRef.parse(gated), tmp.resolve("snap"), events));
    assertEquals(HubException.Kind.AUTH, e.kind());
    assertEquals("allenai/OLMo-2-gated is gated (HTTP 401)", e.getMessage());
    assertEquals(
        "accept the licence at " + hub.endpoint() + "/" + gated + " and set HF_TOKEN", e.hint());

    HubToken token = new HubToken(HubSim.DEFAULT_TOKEN, "HF_TOKEN");
    PullResult r = pull(Optional.of(token)).pull(RepoRef.parse(gated), tmp.resolve("snap"), events);
    assertEquals(3, r.pin().files().size());
    assertEquals(0, hub.stats().cdnAuthorized(), "the token went to the Hub only, not the CDN");
    assertFalse(String.join("\n", events.lines).contains(HubSim.DEFAULT_TOKEN));
    assertFalse(token.toString().contains(HubSim.DEFAULT_TOKEN));

    HubException wrong =
        assertThrows(
            HubException.class,
            () ->
                pull(Optional.of(new HubToken("hf_wrongTokenValue123", "HF_TOKEN")))
                    .pull(RepoRef.parse(gated), tmp.resolve("snap3"), events));
    assertFalse(wrong.getMessage().contains("hf_wrongTokenValue123"));
    assertTrue(wrong.hint().contains("with the account that owns the token"), wrong.hint());
  }

  @Test
  void aRenamedRepoIsFollowedToItsNewName() {
    hub.rename("allenai/OLMo-2-old-name", REPO);
    PullResult r =
        pull().pull(RepoRef.parse("allenai/OLMo-2-old-name"), tmp.resolve("snap"), events);
    assertEquals(commit, r.pin().commit());
    assertEquals(REPO, r.pin().repo(), "the pin names the repo by its new name");
    assertEquals(1, hub.stats().answers(307), "only the listing was redirected");
  }

  @Test
  void notFoundErrorsAreOneLineWithAHint() {
    HubException repo =
        assertThrows(
            HubException.class,
            () -> pull().pull(RepoRef.parse("allenai/nope"), tmp.resolve("a"), events));
    assertEquals(HubException.Kind.NOT_FOUND, repo.kind());
    assertEquals("repository allenai/nope not found on " + hub.endpoint(), repo.getMessage());
    assertTrue(repo.hint().contains("a private repo also needs HF_TOKEN"));

    HubException rev =
        assertThrows(
            HubException.class,
            () -> pull().pull(RepoRef.parse(REPO + "@v9"), tmp.resolve("a"), events));
    assertEquals("revision 'v9' not found in " + REPO, rev.getMessage());

    HubClient client = HubClient.create(new HubSettings(hub.endpoint(), Optional.empty()));
    HubException entry =
        assertThrows(
            HubException.class,
            () -> client.open(REPO, commit, "missing.json", 0, SnapshotPull.DEFAULT_IDLE_TIMEOUT));
    assertEquals("missing.json not found in " + REPO + " at " + commit, entry.getMessage());
    for (HubException x : List.of(repo, rev, entry)) {
      assertFalse(x.getMessage().contains("\n"));
    }
  }

  @Test
  void aNewCommitReplacesTheOldFilesAndStraysAreRefused() throws IOException {
    Path dir = tmp.resolve("snap");
    pull().pull(RepoRef.parse(REPO), dir, events);
    String v2 = hub.repo(REPO, false).addCommit("v2", Fixtures.single(tmp.resolve("v2"), 9));

    PullResult r = pull().pull(RepoRef.parse(REPO + "@v2"), dir, events);

    assertEquals(v2, r.pin().commit());
    assertEquals(Set.of("model.safetensors", "config.json", "tokenizer.json"), names(dir));

    Files.writeString(dir.resolve("notes.txt"), "mine");
    HubException e =
        assertThrows(HubException.class, () -> pull().pull(RepoRef.parse(REPO), dir, events));
    assertEquals(HubException.Kind.LOCAL, e.kind());
    assertTrue(e.getMessage().endsWith("holds files this pull did not put there: notes.txt"));
  }

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .collect(Collectors.toSet());
    }
  }

  /** Remembers what a pull reported, one line per event. */
  static final class Recorder implements PullListener {
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void progress(PullProgress p) {
      lines.add("progress " + p.done() + "/" + p.total());
    }

    @Override
    public void rejected(RepoFile file, String reason) {
      lines.add("rejected " + file.path() + " " + reason);
    }

    @Override
    public void retrying(String what, int attempt, Duration wait, String reason) {
      lines.add("retry " + what + " " + attempt + " " + wait + " " + reason);
    }

    @Override
    public void done(RepoFile file, long moved, String how) {
      lines.add("done " + file.path() + " " + moved + " " + how);
    }
  }
}
