package dev.orchestrate.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.create.Preset;
import dev.orchestrate.engine.create.SnapshotCreator;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.hubsim.HubServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code engine assets pull} as its own JVM (it reads HF_ENDPOINT from the environment): a sharded
 * snapshot made by {@code snapshot create}, served by the Hub stand-in, pulled and loaded.
 */
class AssetsPullTest {
  @TempDir Path tmp;

  @Test
  void pullsAShardedSnapshotTheEngineLoads() throws Exception {
    Path source = tmp.resolve("source");
    new SnapshotCreator(m -> {}, 8_000_000)
        .create(new SnapshotCreator.Request(Preset.TINY, 3, DType.BF16, source));
    try (Stream<Path> s = Files.list(source)) {
      assertTrue(s.filter(p -> p.toString().endsWith(".safetensors")).count() > 1, "sharded");
    }
    try (HubServer hub = new HubServer(0, 0, "unused-token").start()) {
      String commit = hub.repo("allenai/OLMo-2-tiny", false).addCommit("main", source);
      Path dir = tmp.resolve("llm_raw/olmo_2");

      ProcessBuilder p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  EngineCli.class.getName(),
                  "assets",
                  "pull",
                  "allenai/OLMo-2-tiny",
                  "--dir",
                  dir.toString(),
                  "--json")
              .redirectError(tmp.resolve("err.txt").toFile())
              .redirectOutput(tmp.resolve("out.txt").toFile());
      p.environment().put("HF_ENDPOINT", hub.endpoint().toString());
      p.environment().put("HF_HOME", tmp.resolve("hf").toString());
      p.environment().remove("HF_TOKEN");
      Process proc = p.start();
      assertTrue(proc.waitFor(120, TimeUnit.SECONDS));
      String err = Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8);
      assertEquals(0, proc.exitValue(), err);

      List<String> lines = Files.readAllLines(tmp.resolve("out.txt"));
      JsonNode last = new ObjectMapper().readTree(lines.get(lines.size() - 1));
      assertEquals("staged", last.path("event").asText());
      assertEquals(commit, last.path("commit").asText());
      try (Stream<Path> s = Files.list(source)) {
        for (Path f : s.toList()) {
          assertEquals(-1L, Files.mismatch(f, dir.resolve(f.getFileName())), f.toString());
        }
      }
      Snapshot pulled = Snapshot.open(dir);
      assertEquals(Snapshot.open(source).config(), pulled.config());
      try (var original = Snapshot.open(source).openWeights();
          var weights = pulled.openWeights()) {
        assertEquals(original.names(), weights.names(), "every shard found through the index");
      }
    }
  }
}
