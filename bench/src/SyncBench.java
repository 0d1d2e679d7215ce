import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.sync.HashCache;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.sync.ManifestBuilder;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.ssh.HostKeyPins;
import dev.orchestrate.ssh.ProjectKey;
import dev.orchestrate.ssh.SshConnector;
import dev.orchestrate.ssh.SshSettings;
import dev.orchestrate.sync.AssetSync;
import dev.orchestrate.sync.SyncOptions;
import dev.orchestrate.sync.SyncReport;
import dev.orchestrate.testkit.Sshd;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The sync benchmark (run through bench/sync). Three scenarios, each run with `rsync -a`
 * over ssh and with our AssetSync, both against the same loopback sshd:
 * initial transfer, no-op re-sync, one shard replaced. Each scenario runs --repeat times (default 2)
 * and the table shows the best run of each tool. "ours" is the whole sync step: local
 * manifest (hash cache cold for the initial run, warm after), connect, compare, send, verify on
 * the target, rename. The no-op is also timed on an already-open connection, as in `up`.
 */
public class SyncBench {
  public static void main(String[] args) throws Exception {
    int shards = intArg(args, "--shards", 4);
    int shardMib = intArg(args, "--shard-mib", 512);
    int streams = intArg(args, "--streams", 2);
    int repeat = intArg(args, "--repeat", 2);
    Path dir = Path.of(strArg(args, "--dir", "/tmp/orchestrate-sync-bench"));
    deleteTree(dir);
    Path src = Files.createDirectories(dir.resolve("snapshot"));
    System.out.printf("generating %d x %d MiB shards + json under %s%n", shards, shardMib, src);
    for (int i = 1; i <= shards; i++) {
      writeRandom(shardPath(src, i, shards), (long) shardMib << 20, i);
    }
    writeJson(src, shards);

    ProjectKey key = ProjectKey.ensure(dir.resolve("key/id_ed25519"), "bench");
    HostKeyPins pins = new HostKeyPins(dir.resolve("pins"));
    try (Sshd sshd =
        Sshd.start(
            Sshd.Options.in(dir.resolve("sshd")).withAuthorizedKeys(List.of(key.publicKeyLine())))) {
      Path knownHosts = dir.resolve("known_hosts");
      Files.writeString(knownHosts, "[127.0.0.1]:" + sshd.port() + " " + sshd.hostKey() + "\n");
      String ssh =
          "ssh -i " + key.privateKey() + " -p " + sshd.port()
              + " -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes"
              + " -o UserKnownHostsFile=" + knownHosts;
      String remote = sshd.user() + "@127.0.0.1:";
      List<String> rsyncCmd =
          List.of("rsync", "-a", "-e", ssh, src + "/", remote + "rsync-dst/");

      SshConnector connector =
          new SshConnector(
              SshSettings.defaults(),
              key,
              pins,
              Retrier.quiet(Clock.systemUTC(), d -> Thread.sleep(d.toMillis())));
      Endpoint endpoint = Endpoint.of("bench", "127.0.0.1", sshd.port(), sshd.user());
      Path cache = dir.resolve("hash-cache.json");
      SyncOptions options = SyncOptions.to("ours-dst").withStreams(streams);
      Ours ours = new Ours(connector, endpoint, src, cache, options);
      System.out.printf(
          "sshd on port %d, streams %d, chunk %d MiB, ciphers %s%n",
          sshd.port(), streams, options.chunkSize() >> 20, SshSettings.FAST_CIPHERS.get(0));

      List<Row> rows = new ArrayList<>();
      // The first initial transfer runs in a cold JVM (as `orchestrate sync` does: the crypto and
      // hashing paths are still being compiled); the next ones in a warm JVM.
      int runs = repeat + 1;
      double[] rInit = new double[runs];
      double[] oInit = new double[runs];
      for (int r = 0; r < runs; r++) {
        deleteTree(sshd.home().resolve("rsync-dst"));
        deleteTree(sshd.home().resolve("ours-dst"));
        Files.deleteIfExists(cache);
        rInit[r] = time(() -> run(rsyncCmd));
        oInit[r] = time(ours::syncWithConnect);
      }
      rows.add(new Row("initial (ours in a cold JVM)", rInit[0], oInit[0], 1.25));
      double[] rWarm = Arrays.copyOfRange(rInit, 1, runs);
      double[] oWarm = Arrays.copyOfRange(oInit, 1, runs);
      rows.add(new Row("initial (ours in a warm JVM)", best(rWarm), best(oWarm), 1.25));

      int n = Math.max(5, repeat);
      double[] rNoop = new double[n];
      double[] oNoop = new double[n];
      double[] oNoopOpen = new double[n];
      try (Transport open = connector.connect(endpoint)) {
        for (int r = 0; r < n; r++) {
          rNoop[r] = time(() -> run(rsyncCmd));
          oNoop[r] = time(ours::syncWithConnect);
          oNoopOpen[r] = time(() -> ours.syncOn(open));
        }
      }
      rows.add(new Row("no-op (ours incl. connect)", best(rNoop), best(oNoop), 0.25));
      rows.add(new Row("no-op (ours on open connection)", best(rNoop), best(oNoopOpen), 0.25));

      double[] rOne = new double[repeat];
      double[] oOne = new double[repeat];
      for (int r = 0; r < repeat; r++) {
        writeRandom(shardPath(src, 2, shards), (long) shardMib << 20, 1000 + r);
        rOne[r] = time(() -> run(rsyncCmd));
        oOne[r] = time(ours::syncWithConnect);
      }
      rows.add(new Row("one shard changed", best(rOne), best(oOne), 1.0));

      verifySame(src, sshd.home().resolve("rsync-dst"), sshd.home().resolve("ours-dst"));
      print(rows, shards, shardMib);
    } finally {
      deleteTree(dir);
    }
  }

  record Row(String scenario, double rsync, double ours, double target) {}

  /** Our sync step as `up`/`orchestrate sync` run it. */
  record Ours(
      SshConnector connector, Endpoint endpoint, Path src, Path cache, SyncOptions options) {
    void syncWithConnect() throws IOException {
      try (Transport t = connector.connect(endpoint)) {
        syncOn(t);
      }
    }

    void syncOn(Transport t) throws IOException {
      long start = System.nanoTime();
      Manifest m =
          new ManifestBuilder(new HashCache(cache), EventSink.discard(), Clock.systemUTC())
              .build(src);
      long hashed = System.nanoTime();
      SyncReport report =
          new AssetSync(
                  connector,
                  EventSink.discard(),
                  Clock.systemUTC(),
                  Retrier.quiet(Clock.systemUTC(), d -> Thread.sleep(d.toMillis())))
              .sync(src, m, t, options);
      if (report.filesSent() > 0) {
        System.out.printf(
            "  ours: sent %d file(s), %.1f MiB; local manifest %.2f s, sync %.2f s%n",
            report.filesSent(),
            report.bytesSent() / 1048576.0,
            (hashed - start) / 1e9,
            (System.nanoTime() - hashed) / 1e9);
      }
    }
  }

  static void print(List<Row> rows, int shards, int shardMib) throws IOException {
    System.out.printf(
        "%nsync of %d x %d MiB shards + json over loopback ssh (%d cores, load average %s)%n",
        shards,
        shardMib,
        Runtime.getRuntime().availableProcessors(),
        Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    System.out.printf(
        "| %-33s | %11s | %9s | %10s | %7s | %s |%n",
        "scenario", "rsync -a (s)", "ours (s)", "ours/rsync", "target", "met");
    System.out.println("|---|---|---|---|---|---|");
    for (Row r : rows) {
      double ratio = r.ours() / r.rsync();
      System.out.printf(
          Locale.ROOT,
          "| %-33s | %11.2f | %9.2f | %10.2f | <= %.2f | %s |%n",
          r.scenario(), r.rsync(), r.ours(), ratio, r.target(), ratio <= r.target() ? "yes" : "no");
    }
  }

  interface Timed {
    void run() throws Exception;
  }

  static double time(Timed t) throws Exception {
    long start = System.nanoTime();
    t.run();
    return (System.nanoTime() - start) / 1e9;
  }

  // The best of the runs: on a shared machine the other load only ever adds time, so the minimum
  // is the least noisy estimate (taken the same way for rsync and for ours).
  static double best(double[] xs) {
    return Arrays.stream(xs).min().orElseThrow();
  }

  static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }

  static Path shardPath(Path src, int i, int n) {
    return src.resolve(String.format("model-%05d-of-%05d.safetensors", i, n));
  }

  static void writeRandom(Path file, long size, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L);
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long done = 0; done < size; done += buf.capacity()) {
        buf.clear();
        while (buf.hasRemaining()) {
          buf.putLong(random.nextLong());
        }
        out.write(buf.array(), 0, (int) Math.min(buf.capacity(), size - done));
      }
    }
  }

  static void writeJson(Path src, int shards) throws IOException {
    Files.writeString(src.resolve("config.json"), "{\"model_type\": \"olmo2\", \"hidden_size\": 2048}\n");
    Files.writeString(src.resolve("generation_config.json"), "{\"eos_token_id\": 100257}\n");
    StringBuilder index = new StringBuilder("{\"weight_map\": {");
    for (int i = 0; i < 2000; i++) {
      index.append(i == 0 ? "" : ", ")
          .append("\"model.layers.").append(i).append(".weight\": \"model-0000")
          .append(1 + i % shards).append("\"");
    }
    Files.writeString(src.resolve("model.safetensors.index.json"), index.append("}}\n").toString());
    StringBuilder vocab = new StringBuilder("{\"model\": {\"vocab\": {");
    SplittableRandom r = new SplittableRandom(42);
    for (int i = 0; i < 100_000; i++) {
      vocab.append(i == 0 ? "" : ", ").append("\"t").append(Long.toHexString(r.nextLong())).append("\": ").append(i);
    }
    Files.writeString(src.resolve("tokenizer.json"), vocab.append("}}}\n").toString());
  }

  static void verifySame(Path src, Path a, Path b) throws IOException {
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        String rel = src.relativize(p).toString();
        long size = Files.size(p);
        if (Files.size(a.resolve(rel)) != size || Files.mismatch(p, b.resolve(rel)) != -1) {
          throw new IllegalStateException("destination differs from source: " + rel);
        }
      }
    }
    System.out.println("both destinations verified identical to the source");
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  static int intArg(String[] args, String name, int dflt) {
    return Integer.parseInt(strArg(args, name, Integer.toString(dflt)));
  }

  static String strArg(String[] args, String name, String dflt) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return dflt;
  }
}
