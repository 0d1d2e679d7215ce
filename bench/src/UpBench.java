import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Runs bin/vast-sim --fast, then `bin/orchestrate up --profile vast --prompt ... --keep --json`
 * (cold) and `bin/orchestrate run <id> --json` (warm) against it with a staged tree of the tiny
 * snapshot plus incompressible shards, timing every JSON event as it arrives; then `down --all` and
 * a check that the simulator bills nothing. Prints one table.
 */
public final class UpBench {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path OUT = Path.of("bench/out/up");

  public static void main(String[] args) throws Exception {
    int assetMib = 1024;
    int tokens = 16;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--asset-mib" -> assetMib = Integer.parseInt(args[++i]);
        case "--tokens" -> tokens = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path assets = stageAssets(assetMib);
    Process sim =
        new ProcessBuilder("bin/vast-sim", "--port", "0", "--fast")
            .redirectError(ProcessBuilder.Redirect.INHERIT) // build notes; stdout's first line is the URL
            .start();
    BufferedReader simOut =
        new BufferedReader(new InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8));
    String url = simOut.readLine();
    Thread drain = new Thread(() -> simOut.lines().forEach(l -> {}));
    drain.setDaemon(true);
    drain.start();
    try {
      Map<String, String> env = new LinkedHashMap<>(System.getenv());
      env.put("VAST_URL", url);
      env.put("VAST_API_KEY", "bench-key");
      env.put("HOME", Files.createDirectories(OUT.resolve("home")).toAbsolutePath().toString());
      List<String> common =
          List.of(
              "--set", "assets.dir=" + assets,
              "--set", "engine.backend=reference",
              "--max-new-tokens", Integer.toString(tokens),
              "--json");
      List<String> upArgs = new ArrayList<>(List.of("bin/orchestrate", "up", "--profile", "vast"));
      upArgs.addAll(common);
      upArgs.addAll(List.of("--prompt", "The cold run", "--keep"));
      Timed cold = timed(upArgs, env);
      List<String> runArgs = new ArrayList<>(List.of("bin/orchestrate", "run", cold.runId));
      runArgs.addAll(common);
      runArgs.addAll(List.of("--prompt", "The warm run"));
      Timed warm = timed(runArgs, env);
      Timed warm2 = timed(runArgs, env);
      ProcessBuilder downPb = new ProcessBuilder("bin/orchestrate", "down", cold.runId).inheritIO();
      downPb.environment().putAll(env);
      int down = downPb.start().waitFor();
      JsonNode billing = get(url + "/_sim/billing");
      print(assetMib, tokens, cold, warm, warm2);
      System.out.println(
          "down " + cold.runId + ": exit "
              + down
              + "; simulator: "
              + billing.get("billing_count").asInt()
              + " instance(s) still billing, $"
              + String.format(Locale.ROOT, "%.5f", billing.get("accrued_usd").asDouble())
              + " accrued in all");
    } finally {
      sim.destroy();
    }
  }

  /** The tiny snapshot plus shards of random bytes adding up to about {@code mib} MiB. */
  static Path stageAssets(int mib) throws Exception {
    Path dir = OUT.resolve("assets-" + mib);
    if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
      int code =
          new ProcessBuilder(
                  "bin/engine", "snapshot", "create", "--config", "tiny", "--seed", "0", "--out",
                  dir.toString())
              .inheritIO()
              .start()
              .waitFor();
      if (code != 0) {
        throw new IllegalStateException("bin/engine snapshot create failed: " + code);
      }
    }
    long have;
    try (var files = Files.list(dir)) {
      have = files.mapToLong(f -> f.toFile().length()).sum();
    }
    int shard = 0;
    Random random = new Random(42);
    byte[] buf = new byte[1 << 20];
    while (have < (long) mib << 20) {
      Path f = dir.resolve(String.format("shard-%02d.bin", shard++));
      if (Files.exists(f)) {
        continue;
      }
      long size = Math.min(256L << 20, ((long) mib << 20) - have);
      try (OutputStream out = Files.newOutputStream(f)) {
        for (long w = 0; w < size; w += buf.length) {
          random.nextBytes(buf);
          out.write(buf, 0, (int) Math.min(buf.length, size - w));
        }
      }
      have += size;
    }
    return dir;
  }

  /** One CLI run: event arrival times (ms since start), step durations, the run record. */
  static final class Timed {
    String runId;
    double firstEngineLineMs = -1;
    double wallMs;
    final Map<String, Double> steps = new LinkedHashMap<>();
    JsonNode metrics;
    double engineProcessMs = -1;
    int exit;
  }

  static Timed timed(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().clear();
    pb.environment().putAll(env);
    Timed t = new Timed();
    long start = System.nanoTime();
    Process p = pb.start();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        double at = (System.nanoTime() - start) / 1e6;
        JsonNode e;
        try {
          e = JSON.readTree(line);
        } catch (IOException notJson) {
          continue;
        }
        String kind = e.path("event").asText();
        if (kind.equals("log-line") && e.path("source").asText().equals("engine")
            && t.firstEngineLineMs < 0) {
          t.firstEngineLineMs = at;
        } else if (kind.equals("step-ended")) {
          t.steps.put(e.path("step").asText(), seconds(e.path("duration")) * 1000);
        } else if (kind.equals("notice")
            && e.path("message").asText().matches("engine process ran \\d+ ms.*")) {
          t.engineProcessMs = Double.parseDouble(e.path("message").asText().split(" ")[3]);
        } else if (kind.equals("run-record")) {
          t.runId = e.at("/record/runId").asText();
          t.metrics = e.at("/record/metrics");
        }
      }
    }
    t.exit = p.waitFor();
    t.wallMs = (System.nanoTime() - start) / 1e6;
    if (t.exit != 0 || t.runId == null) {
      throw new IllegalStateException(command + " failed with exit code " + t.exit);
    }
    return t;
  }

  static double seconds(JsonNode duration) {
    if (duration.isNumber()) {
      return duration.asDouble();
    }
    return java.time.Duration.parse(duration.asText()).toNanos() / 1e9;
  }

  static JsonNode get(String url) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  static void print(int mib, int tokens, Timed cold, Timed warm, Timed warm2) {
    System.out.printf(
        Locale.ROOT,
        "%nbench/up: vast profile on vast-sim --fast, %d MiB staged (tiny snapshot + shards),"
            + " reference backend, %d tokens, %d cores%n%n",
        mib,
        tokens,
        Runtime.getRuntime().availableProcessors());
    System.out.printf(Locale.ROOT, "%-34s %10s %10s %10s%n", "", "cold up", "warm run", "warm run 2");
    List<String> names = new ArrayList<>(cold.steps.keySet());
    warm.steps.keySet().stream().filter(s -> !names.contains(s)).forEach(names::add);
    for (String s : names) {
      System.out.printf(
          Locale.ROOT, "%-34s %10s %10s %10s%n", "step " + s, ms(cold.steps.get(s)),
          ms(warm.steps.get(s)), ms(warm2.steps.get(s)));
    }
    System.out.printf(
        Locale.ROOT, "%-34s %10s %10s %10s%n", "wall to first engine output", ms(cold.firstEngineLineMs),
        ms(warm.firstEngineLineMs), ms(warm2.firstEngineLineMs));
    System.out.printf(
        Locale.ROOT, "%-34s %10s %10s %10s%n", "wall, whole command", ms(cold.wallMs), ms(warm.wallMs),
        ms(warm2.wallMs));
    System.out.printf(
        Locale.ROOT, "%-34s %10s %10s %10s%n", "engine process on the machine",
        ms(cold.engineProcessMs), ms(warm.engineProcessMs), ms(warm2.engineProcessMs));
    System.out.printf(
        Locale.ROOT, "%-34s %10s %10s %10s%n", "overhead = wall - engine process",
        ms(cold.wallMs - cold.engineProcessMs), ms(warm.wallMs - warm.engineProcessMs),
        ms(warm2.wallMs - warm2.engineProcessMs));
    System.out.printf(
        Locale.ROOT, "%-34s %10s %10s %10s%n", "engine: time to first token",
        ms(cold.metrics.path("ttft_ms").asDouble()), ms(warm.metrics.path("ttft_ms").asDouble()),
        ms(warm2.metrics.path("ttft_ms").asDouble()));
    System.out.printf(
        Locale.ROOT, "%-34s %10s %10s %10s%n%n", "engine: decode tokens/s",
        String.format(Locale.ROOT, "%.0f", cold.metrics.path("decode_tok_s").asDouble()),
        String.format(Locale.ROOT, "%.0f", warm.metrics.path("decode_tok_s").asDouble()),
        String.format(Locale.ROOT, "%.0f", warm2.metrics.path("decode_tok_s").asDouble()));
  }

  static String ms(Double v) {
    if (v == null || v < 0) {
      return "-";
    }
    return v >= 1000
        ? String.format(Locale.ROOT, "%.2f s", v / 1000)
        : String.format(Locale.ROOT, "%.0f ms", v);
  }
}
