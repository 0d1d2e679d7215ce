import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Starts bin/vast-sim --fast (sshd instances), makes a bench project (the tiny snapshot staged, a
 * fleetbench profile with the fixed per-prompt cost) and a prompt file, then runs one fleet per
 * replica count, timing its JSON events; checks that every result is there once and in order and
 * that the simulator bills nothing afterwards. The client's CPU time is the children's user+system
 * time this JVM reaps (/proc/self/stat cutime+cstime: bin/orchestrate and its java). Prints a table.
 */
public final class FleetBench {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path OUT = Path.of("bench/out/fleet").toAbsolutePath();

  public static void main(String[] args) throws Exception {
    int prompts = 2000;
    int promptMs = 50;
    String cost = "floor";
    int chunk = 125;
    List<Integer> fleets = List.of(1, 2, 4);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--prompts" -> prompts = Integer.parseInt(args[++i]);
        case "--prompt-ms" -> promptMs = Integer.parseInt(args[++i]);
        case "--cost" -> {
          cost = args[++i];
          if (!cost.equals("floor") && !cost.equals("added")) {
            throw new IllegalArgumentException("--cost is floor or added, not " + cost);
          }
        }
        case "--chunk-size" -> chunk = Integer.parseInt(args[++i]);
        case "--replicas" ->
            fleets = java.util.Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path project = project(promptMs, cost);
    Path file = promptFile(prompts);
    Process sim =
        new ProcessBuilder("bin/vast-sim", "--port", "0", "--fast", "--hosts", "sshd")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader simOut =
        new BufferedReader(new InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8));
    String url = simOut.readLine();
    Thread drain = new Thread(() -> simOut.lines().forEach(l -> {}));
    drain.setDaemon(true);
    drain.start();
    List<String[]> rows = new ArrayList<>();
    double base = -1;
    try {
      Map<String, String> env = new LinkedHashMap<>(System.getenv());
      env.put("VAST_URL", url);
      env.put("VAST_API_KEY", "bench-key");
      env.put("ORCHESTRATE_PROJECT", project.toString());
      env.put("HOME", Files.createDirectories(project.resolve("home")).toString());
      for (int n : fleets) {
        Run r = run(n, file, chunk, env);
        List<String> ids = resultIds(project, r.runId);
        boolean complete = ids.equals(expected(prompts)) && new HashSet<>(ids).size() == prompts;
        if (base < 0) {
          base = r.workMs * n / 1.0 / n; // the first row is the baseline
        }
        JsonNode billing = get(url + "/_sim/billing");
        rows.add(
            new String[] {
              Integer.toString(n),
              Integer.toString(r.exit),
              String.format(Locale.ROOT, "%.1f", r.wallMs / 1000),
              String.format(Locale.ROOT, "%.1f", r.workMs / 1000),
              String.format(Locale.ROOT, "%.2fx", base / r.workMs),
              String.format(Locale.ROOT, "%.2f", r.cpuMs / 1000 * 1000 / prompts),
              String.format(Locale.ROOT, "%.2f", engineSecondsPerChunk(project, r.runId)),
              complete ? "all " + prompts + " once, in order" : "INCOMPLETE (" + ids.size() + ")",
              Integer.toString(billing.get("billing_count").asInt())
            });
      }
    } finally {
      sim.destroy();
    }
    System.out.printf(
        Locale.ROOT,
        "%n%d prompts, %d ms fixed cost per prompt (bench-only; --cost %s: %s), chunks of %d,"
            + " reference backend, tiny snapshot, 1 new token; vast-sim --fast with sshd instances"
            + " on this host (%d cores)%n",
        prompts,
        promptMs,
        cost,
        cost.equals("floor")
            ? "a chunk takes the longer of it and the engine's own time"
            : "a chunk takes it plus the engine's own time",
        chunk,
        Runtime.getRuntime().availableProcessors());
    String fmt = "%-9s %-5s %-9s %-15s %-9s %-24s %-20s %-26s %s%n";
    System.out.printf(
        fmt,
        "MACHINES",
        "EXIT",
        "WALL s",
        "WORK PHASE s",
        "SPEED-UP",
        "CLIENT CPU s/1k prompts",
        "ENGINE GEN s/chunk",
        "RESULTS",
        "BILLING AFTER");
    for (String[] r : rows) {
      System.out.printf(fmt, (Object[]) r);
    }
    System.out.println(
        "work phase: from the first machine's first chunk to the last result; speed-up on it"
            + " against the first row. Wall includes renting, qualifying and preparing each"
            + " machine and the teardown. Engine gen: the engines' own generation time per chunk"
            + " (their metrics lines), which grows with N when the machines share this host's"
            + " cores.");
  }

  static final class Run {
    String runId;
    int exit;
    double wallMs;
    double workMs;
    double cpuMs;
  }

  static Run run(int n, Path file, int chunk, Map<String, String> env) throws Exception {
    List<String> cmd =
        List.of(
            "bin/orchestrate", "up", "--profile", "fleetbench", "--replicas", Integer.toString(n),
            "--prompts", file.toString(), "--chunk-size", Integer.toString(chunk), "--json");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().clear();
    pb.environment().putAll(env);
    long[] cpuBefore = childCpuTicks();
    Run r = new Run();
    long start = System.nanoTime();
    double firstChunk = -1;
    double lastResult = -1;
    Process p = pb.start();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        double at = (System.nanoTime() - start) / 1e6;
        JsonNode e;
        try {
          e = JSON.readTree(line);
        } catch (Exception notJson) {
          continue;
        }
        String kind = e.path("event").asText();
        if (kind.equals("step-started") && e.path("step").asText().equals("launch") && firstChunk < 0) {
          firstChunk = at;
        } else if (kind.equals("progress") && e.path("step").asText().equals("fleet")) {
          lastResult = at;
        } else if (kind.equals("run-record")) {
          r.runId = e.at("/record/runId").asText();
        }
      }
    }
    r.exit = p.waitFor();
    r.wallMs = (System.nanoTime() - start) / 1e6;
    r.workMs = lastResult - firstChunk;
    long[] cpuAfter = childCpuTicks();
    r.cpuMs = ((cpuAfter[0] - cpuBefore[0]) + (cpuAfter[1] - cpuBefore[1])) * 10.0; // 100 Hz ticks
    System.err.printf(
        Locale.ROOT, "fleet of %d: exit %d, %s, wall %.1f s%n", n, r.exit, r.runId, r.wallMs / 1000);
    return r;
  }

  // cutime and cstime of this process: the CPU of the children it has waited for.
  static long[] childCpuTicks() throws Exception {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return new long[] {Long.parseLong(f[13]), Long.parseLong(f[14])};
  }

  static Path project(int promptMs, String cost) throws Exception {
    Path project = Files.createDirectories(OUT.resolve("project"));
    Path repo = Path.of("").toAbsolutePath();
    for (String link : List.of("engine", "native")) {
      if (!Files.exists(project.resolve(link), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(project.resolve(link), repo.resolve(link));
      }
    }
    Path snap = project.resolve("llm_raw/olmo_2");
    if (!Files.isRegularFile(snap.resolve("model.safetensors"))) {
      int code =
          new ProcessBuilder(
                  "bin/engine", "snapshot", "create", "--config", "tiny", "--seed", "0", "--out",
                  snap.toString())
              .inheritIO()
              .start()
              .waitFor();
      if (code != 0) {
        throw new IllegalStateException("bin/engine snapshot create failed: " + code);
      }
    }
    String script = relay(promptMs, cost).strip().replaceAll("\\s*\n\\s*", " ");
    Files.createDirectories(project.resolve("profiles"));
    Files.writeString(
        project.resolve("profiles/fleetbench.yaml"),
        "extends: vast\n"
            + "description: bench/fleet only — a fixed cost per prompt ("
            + cost
            + ") around the real engine\n"
            + "target:\n  vast:\n    budget:\n      maxTotalUsd: 20\n"
            + "engine:\n  backend: reference\n  maxNewTokens: 1\n"
            + "  command: [sh, -c, '"
            + script
            + "', fixed-cost, bin/engine, generate, --backend, \"{backend}\", --snapshot,"
            + " \"{snapshot}\", --prompt, \"{prompt}\", --max-new-tokens, \"{maxNewTokens}\"]\n");
    return project;
  }

  /**
   * The bench-only fixed cost: a relay (POSIX sh) in front of the real engine's worker (--worker
   * DIR) that takes each chunk the client puts into DIR/inbox and moves it into the engine's own
   * inbox (DIR/engine/inbox); the stop file is passed on too. It stands for the GPU's time,
   * promptMs per prompt, in one of two ways:
   *
   * <ul>
   *   <li>{@code floor} (default): the chunk goes to the engine at once; its k-th result line is
   *       held back until k times promptMs has passed since then and its end marker until the
   *       whole chunk's cost has, so results come at the fixed cost's pace and a chunk takes the
   *       longer of the fixed cost and the engine's own time, as on a machine whose GPU time is
   *       the fixed cost and whose engine runs within it. The engines' generation on this host's
   *       shared cores (which grows with N here, never on N real machines) hides under it.
   *   <li>{@code added}: the relay sleeps promptMs per prompt first and then hands the chunk to the
   *       engine, so a chunk takes the fixed cost plus the engine's time on the shared cores: the
   *       fleet's speed-up then also carries the host's CPU contention (ENGINE GEN s/chunk).
   * </ul>
   *
   * <p>With {@code floor}, the engine's output passes through a line filter that knows each
   * chunk's hand-in time and size from DIR/started/K (K counts hand-ins; a machine has one chunk in
   * its engine at a time, so its lines come in hand-in order). The relay exits with the engine's
   * code.
   */
  static String relay(int promptMs, String cost) {
    String args =
        """
        w=; prev=; for a in "$@"; do [ "$prev" = --worker ] && w=$a; prev=$a; done;
        e=$w/engine; s=$w/started; mkdir -p "$e/inbox" "$w/inbox" "$s";
        for a do shift; [ "$a" = "$w" ] && a=$e; set -- "$@" "$a"; done;
        """;
    String loop =
        """
        while kill -0 $pid 2>/dev/null; do
          f=; for x in "$w"/inbox/*.jsonl; do [ -e "$x" ] && f=$x && break; done;
          if [ -n "$f" ]; then HANDIN
          elif [ -f "$w/stop" ]; then touch "$e/stop"; sleep 0.05;
          else sleep 0.05; fi;
        done;
        """;
    String script;
    if (cost.equals("added")) {
      script =
          args
              + """
              "$@" & pid=$!;
              """
              + loop.replace(
                  "HANDIN",
                  """
                  n=$(grep -c . "$f"); ms=$((n*MS));
                  sleep $((ms/1000)).$(printf %03d $((ms%1000)));
                  mv "$f" "$e/inbox/";
                  """)
              + "wait $pid";
    } else {
      script =
          args
              + """
              { "$@"; echo $? > "$s/exit"; } | { j=1; r=0; while IFS= read -r l; do
                case $l in
                  *?type?:?result?*) r=$((r+1)); m=$r;;
                  *?type?:?chunk-end?*) m=-1;;
                  *) m=0;;
                esac;
                if [ $m -ne 0 ] && [ -f "$s/$j" ]; then read t0 n < "$s/$j";
                  [ $m -lt 0 ] && m=$n;
                  left=$((t0 + m*MS - $(date +%s%3N)));
                  [ $left -gt 0 ] && sleep $((left/1000)).$(printf %03d $((left%1000)));
                fi;
                printf "%s\\n" "$l";
                case $l in *?type?:?chunk-end?*) j=$((j+1)); r=0;; esac;
              done; } & pid=$!; k=0;
              """
              + loop.replace(
                  "HANDIN",
                  """
                  k=$((k+1)); echo "$(date +%s%3N) $(grep -c . "$f")" > "$s/$k";
                  mv "$f" "$e/inbox/";
                  """)
              + """
              wait $pid; exit $(cat "$s/exit" 2>/dev/null || echo 1)
              """;
    }
    return script.replace("MS", Integer.toString(promptMs));
  }

  static Path promptFile(int n) throws Exception {
    Path f = OUT.resolve("prompts-" + n + ".jsonl");
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append("{\"id\": \"p").append(i).append("\", \"prompt\": \"Question ").append(i);
      s.append(": why is the sky blue?\", \"max_new_tokens\": 1}\n");
    }
    Files.writeString(f, s.toString());
    return f;
  }

  static List<String> expected(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("p" + i);
    }
    return out;
  }

  static List<String> resultIds(Path project, String runId) throws Exception {
    List<String> out = new ArrayList<>();
    if (runId == null) {
      return out;
    }
    for (String line : Files.readAllLines(project.resolve("logs").resolve(runId).resolve("results.jsonl"))) {
      out.add(JSON.readTree(line).get("id").asText());
    }
    return out;
  }

  // The mean of the engines' own generation time (total_ms of their metrics lines) per chunk.
  static double engineSecondsPerChunk(Path project, String runId) throws Exception {
    double sum = 0;
    int n = 0;
    if (runId == null) {
      return 0;
    }
    Path machines = project.resolve("logs").resolve(runId).resolve("machines");
    try (var dirs = Files.list(machines)) {
      for (Path m : dirs.toList()) {
        for (String line : Files.readAllLines(m.resolve("remote.log"))) {
          if (line.startsWith("{\"type\":\"metrics\"")) {
            sum += JSON.readTree(line).get("total_ms").asDouble();
            n++;
          }
        }
      }
    }
    return n == 0 ? 0 : sum / n / 1000;
  }

  static JsonNode get(String url) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }
}
