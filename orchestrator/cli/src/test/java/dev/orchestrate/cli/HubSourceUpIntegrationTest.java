package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.hubsim.HubServer;
import dev.orchestrate.testkit.TinySnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up} with {@code assets.source: hf://…}: the assets step pulls through the real {@code
 * bin/engine assets pull} from the Hub stand-in (serving a snapshot made by {@code bin/engine
 * snapshot create}), the run record names the pinned commit, and a second {@code up} pulls nothing.
 * Integration: it builds the engine when its classes are missing.
 */
@Tag("integration")
class HubSourceUpIntegrationTest {
  @TempDir Path dir;

  @Test
  void upPullsTheProfilesHubSourceOnceAndRecordsTheCommit() throws Exception {
    try (HubServer hub = new HubServer(0, 0, "unused-token-123").start()) {
      String commit = hub.repo("allenai/OLMo-2-tiny", false).addCommit("main", TinySnapshot.get());
      Cli cli = new Cli(dir);
      cli.env.put("HF_ENDPOINT", hub.endpoint().toString());
      Files.createDirectories(dir.resolve("bin"));
      Path engine = dir.resolve("bin/engine");
      Files.writeString(
          engine, "#!/bin/sh\nexec '" + TinySnapshot.REPO.resolve("bin/engine") + "' \"$@\"\n");
      Files.setPosixFilePermissions(engine, PosixFilePermissions.fromString("rwxr-xr-x"));
      cli.profile(
          "hubsrc",
          Cli.shellProfile("echo \"engine saw $1\"")
              .replace(
                  "assets:\n  dir: assets\n",
                  "assets:\n  dir: assets\n  source: hf://allenai/OLMo-2-tiny@main\n"));

      Cli.Result r = cli.run("up", "--profile", "hubsrc");

      assertEquals(0, r.code(), r::toString);
      assertTrue(r.err().contains("pulled;"), r::toString);
      Path staged = dir.resolve("assets");
      assertTrue(Files.isRegularFile(staged.resolve("model.safetensors")));
      assertTrue(Files.readString(staged.resolve(".pin.json")).contains(commit));
      JsonNode rec = lastRecord(cli);
      assertEquals(
          "hf://allenai/OLMo-2-tiny@" + commit, rec.path("weights").asText(), rec::toString);
      long served = hub.stats().totalBytesServed();
      assertTrue(served > 20_000_000, "the tiny snapshot's weights came from the Hub: " + served);

      Cli.Result again = cli.run("up", "--profile", "hubsrc");
      assertEquals(0, again.code(), again::toString);
      assertFalse(again.err().contains("pulled;"), again::toString);
      assertEquals(
          served, hub.stats().totalBytesServed(), "the pinned folder was not fetched again");
    }
  }

  private static JsonNode lastRecord(Cli cli) throws IOException {
    try (Stream<Path> runs = Files.list(cli.project.resolve("logs"))) {
      Path last = runs.filter(Files::isDirectory).sorted().reduce((a, b) -> b).orElseThrow();
      return new ObjectMapper().readTree(last.resolve("run.json").toFile());
    }
  }
}
