package dev.orchestrate.vast.up;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.runtime.EngineJre;
import dev.orchestrate.runtime.EngineRuntime;
import dev.orchestrate.sync.EnvSpec;
import dev.orchestrate.testkit.TinySnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime really linked from this JDK and packed into the engine runtime: unpacked as the
 * machine gets it, the engine starts on it with no java on the PATH and generates with the
 * reference and custom backends; and jdeps finds nothing the module list lacks but the two modules
 * it names for code paths the engine never takes.
 */
@Tag("integration")
class ShippedJreTest {
  private static final Path REPO = TinySnapshot.REPO;

  @TempDir Path dir;

  @Test
  void theEngineRunsOnTheShippedRuntime() throws Exception {
    assumeTrue(TinySnapshot.engineBuilt(), "the engine is built");
    Path snapshot = TinySnapshot.get();
    Path home = Path.of(System.getProperty("java.home"));
    assumeTrue(Files.isRegularFile(home.resolve("jmods/java.base.jmod")), "a JDK with jmods");
    List<Event> events = new CopyOnWriteArrayList<>();
    EngineRuntime runtime =
        new EngineRuntime(
            REPO, dir.resolve("state"), EngineJre.forThisProcess(dir.resolve("state")));
    EnvSpec spec = runtime.spec("nvidia/cuda:12.8.1", "none", events::add, Clock.systemUTC());
    assertTrue(
        events.stream().anyMatch(e -> e instanceof Notice n && n.message().contains("jlink")),
        "linking is shown: " + events);
    assertTrue(
        events.stream()
            .anyMatch(e -> e instanceof Notice n && n.message().contains("runtime ready")),
        events.toString());
    events.clear();
    EnvSpec again = runtime.spec("nvidia/cuda:12.8.1", "none", events::add, Clock.systemUTC());
    assertEquals(spec, again, "linked once, same fingerprint");
    assertEquals(List.of(), events, "nothing linked the second time");

    Path machine = Files.createDirectories(dir.resolve("machine"));
    run(
        List.of("tar", "-xf", spec.archive().orElseThrow().toString(), "-C", machine.toString()),
        Map.of());
    assertTrue(Files.isExecutable(machine.resolve("jre/bin/java")));
    Path path = Files.createDirectories(dir.resolve("path"));
    Files.createSymbolicLink(path.resolve("dirname"), Path.of("/usr/bin/dirname"));
    Map<String, String> noJava = Map.of("PATH", path.toString(), "HOME", dir.toString());

    String version =
        run(List.of(machine.resolve("jre/bin/java").toString(), "--list-modules"), noJava);
    Set<String> linked =
        new TreeSet<>(
            Arrays.stream(version.split("\n")).map(l -> l.replaceAll("@.*", "")).toList());
    assertTrue(linked.containsAll(EngineJre.MODULES), linked.toString());
    assertTrue(
        !linked.contains("java.compiler"), "only the modules asked for and theirs: " + linked);
    String engine = machine.resolve("bin/engine").toString();
    assertTrue(run(List.of(engine, "--help"), noJava).contains("generate"));
    for (String backend : List.of("reference", "custom")) {
      String out =
          run(
              List.of(
                  engine,
                  "generate",
                  "--backend",
                  backend,
                  "--snapshot",
                  snapshot.toString(),
                  "--prompt",
                  "Hello",
                  "--max-new-tokens",
                  "4"),
              noJava);
      assertTrue(out.contains("\"new_tokens\":4"), backend + ": " + out);
    }
    // An -Instruct snapshot's chat template renders on the shipped runtime (jinjava needs
    // java.beans).
    Path instruct = dir.resolve("instruct");
    run(
        List.of(
            engine,
            "snapshot",
            "create",
            "--config",
            "tiny",
            "--instruct",
            "--out",
            instruct.toString()),
        noJava);
    String chat =
        run(
            List.of(
                engine,
                "generate",
                "--snapshot",
                instruct.toString(),
                "--chat",
                "--prompt",
                "Hello",
                "--max-new-tokens",
                "2"),
            noJava);
    assertTrue(chat.contains("\"new_tokens\":2"), "chat: " + chat);

    // What jdeps sees beyond the list is only what no engine path loads (see EngineJre#MODULES).
    String deps =
        run(
            List.of(
                home.resolve("bin/jdeps").toString(),
                "--ignore-missing-deps",
                "--multi-release",
                "17",
                "--print-module-deps",
                "-q",
                "--class-path",
                Files.readString(REPO.resolve("engine/target/runtime-classpath.txt")).strip(),
                REPO.resolve("engine/target/classes").toString()),
            Map.of());
    Set<String> extra = new TreeSet<>(Arrays.asList(deps.strip().split(",")));
    extra.removeAll(EngineJre.MODULES);
    extra.removeAll(Set.of("java.compiler"));
    // javassist (jinjava's, for injected-context functions the chat template never uses) names
    // these in its HotSwapper/agent classes only, which nothing loads.
    extra.removeAll(Set.of("java.instrument", "jdk.attach", "jdk.jdi"));
    assertEquals(Set.of(), extra, "modules the engine may need that the runtime lacks");
  }

  private static String run(List<String> cmd, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true);
    if (!env.isEmpty()) {
      pb.environment().clear();
      pb.environment().putAll(env);
    }
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), String.join(" ", cmd));
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    return out;
  }
}
