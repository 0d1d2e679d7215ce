import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Starts bin/hub-sim (a repo made by `bin/engine snapshot create`) and bin/vast-sim --fast, then
 * runs a one-shot `bin/orchestrate up --profile vast --json` twice from empty folders: with
 * assets.fetch=target (the machine pulls) and assets.fetch=local (this host pulls, sync uploads).
 * Times each step from the JSON events, reads the bytes hub-sim served, and checks nothing bills.
 */
public final class FetchBench {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path OUT = Path.of("bench/out/fetch");
  static final String REPO = "allenai/OLMo-2-bench";

  public static void main(String[] args) throws Exception {
    String config = "olmo2-1b";
    int tokens = 1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--config" -> config = args[++i];
        case "--tokens" -> tokens = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Files.createDirectories(OUT);
    Process hub = start("bin/hub-sim", "--create", REPO + "=" + config + ":bf16");
    String hubUrl = firstLine(hub);
    Process vast = start("bin/vast-sim", "--port", "0", "--fast");
    String vastUrl = firstLine(vast);
    try {
      Map<String, String> env = new LinkedHashMap<>(System.getenv());
      env.put("VAST_URL", vastUrl);
      env.put("VAST_API_KEY", "bench-key");
      env.put("HF_ENDPOINT", hubUrl);
      env.remove("HF_TOKEN");
      env.put("HOME", Files.createDirectories(OUT.resolve("home")).toAbsolutePath().toString());
      Map<String, Timed> runs = new LinkedHashMap<>();
      for (String mode : List.of("target", "local")) {
        Path assets = OUT.resolve("assets-" + mode);
        deleteTree(assets);
        long servedBefore = served(hubUrl);
        Timed t =
            timed(
                List.of(
                    "bin/orchestrate", "up", "--profile", "vast",
                    "--set", "assets.dir=" + assets,
                    "--set", "assets.source=hf://" + REPO + "@main",
                    "--set", "assets.fetch=" + mode,
                    "--set", "engine.backend=reference",
                    "--max-new-tokens", Integer.toString(tokens),
                    "--prompt", "Hello", "--json"),
                env);
        t.hubBytes = served(hubUrl) - servedBefore;
        runs.put(mode, t);
      }
      JsonNode billing = get(vastUrl + "/_sim/billing");
      print(config, tokens, runs, billing.get("billing_count").asInt());
    } finally {
      hub.destroy();
      vast.destroy();
    }
  }

  static Process start(String... cmd) throws IOException {
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  static String firstLine(Process p) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String url = out.readLine();
    Thread drain = new Thread(() -> out.lines().forEach(l -> {}));
    drain.setDaemon(true);
    drain.start();
    return url.strip();
  }

  static long served(String hubUrl) throws Exception {
    long sum = 0;
    for (JsonNode n : get(hubUrl + "/_sim/stats").path("bytesServed")) {
      sum += n.asLong();
    }
    return sum;
  }

  static final class Timed {
    double wallMs;
    final Map<String, Double> steps = new LinkedHashMap<>();
    final Map<String, String> details = new LinkedHashMap<>();
    long hubBytes;
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
        JsonNode e;
        try {
          e = JSON.readTree(line);
        } catch (IOException notJson) {
          continue;
        }
        if (e.path("event").asText().equals("step-ended")) {
          String step = e.path("step").asText();
          t.steps.put(step, java.time.Duration.parse(e.path("duration").asText()).toNanos() / 1e6);
          t.details.put(step, e.path("detail").asText());
        }
      }
    }
    int exit = p.waitFor();
    t.wallMs = (System.nanoTime() - start) / 1e6;
    if (exit != 0) {
      throw new IllegalStateException(command + " failed with exit code " + exit);
    }
    return t;
  }

  static JsonNode get(String url) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  static void print(String config, int tokens, Map<String, Timed> runs, int billing) {
    Timed target = runs.get("target");
    Timed local = runs.get("local");
    System.out.printf(
        Locale.ROOT,
        "%nbench/fetch: one-shot up --profile vast on vast-sim --fast, hf:// %s (%s bf16) from"
            + " bin/hub-sim, reference backend, %d token(s), %d cores, load %.2f%n%n",
        REPO, config, tokens, Runtime.getRuntime().availableProcessors(),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.out.printf(Locale.ROOT, "%-36s %16s %16s%n", "", "fetch: target", "fetch: local");
    List<String> names = new ArrayList<>(local.steps.keySet());
    target.steps.keySet().stream().filter(s -> !names.contains(s)).forEach(names::add);
    for (String s : names) {
      System.out.printf(
          Locale.ROOT, "%-36s %16s %16s%n", "step " + s, sec(target.steps.get(s)),
          sec(local.steps.get(s)));
    }
    System.out.printf(
        Locale.ROOT, "%-36s %16s %16s%n", "wall, whole up", sec(target.wallMs), sec(local.wallMs));
    System.out.printf(
        Locale.ROOT, "%-36s %16s %16s%n", "GiB served by hub-sim", gib(target.hubBytes),
        gib(local.hubBytes));
    System.out.printf(Locale.ROOT, "%nsync (target): %s%n", target.details.get("sync"));
    System.out.printf(Locale.ROOT, "sync (local):  %s%n", local.details.get("sync"));
    System.out.printf(Locale.ROOT, "vast-sim: %d instance(s) still billing%n", billing);
  }

  static String sec(Double ms) {
    return ms == null ? "-" : String.format(Locale.ROOT, "%.1f s", ms / 1000);
  }

  static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.2f", bytes / (double) (1L << 30));
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var s = Files.walk(p)) {
      for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
