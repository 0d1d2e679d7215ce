package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.pyenv.SimpleIndex;
import dev.orchestrate.core.pyenv.Wheels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code orchestrate env} and {@code up} with the hf backend on the local target, for real: a venv
 * from the profile's lock (pip against a loopback index), the engine run with the env's python, its
 * versions in run.json.
 */
class PythonEnvCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private Cli cli;
  private SimpleIndex index;

  @BeforeEach
  void setUp() throws IOException {
    index = new SimpleIndex();
    Wheels.Wheel transformers = Wheels.module("transformers", "4.0");
    index.add("pypi", transformers);
    index.add("cpu", Wheels.torch("1.0+cpu", null));
    cli = new Cli(dir);
    cli.env.put("PIP_INDEX_URL", index.url("pypi"));
    cli.env.put("PIP_CONFIG_FILE", "/dev/null");
    cli.env.put("PIP_NO_CACHE_DIR", "1");
    cli.env.put("ORCHESTRATE_TORCH_INDEX_BASE", index.url("pypi").replace("/pypi/", "/"));
    Files.writeString(
        dir.resolve("hf.lock"),
        "transformers==4.0 \\\n    --hash=sha256:" + transformers.sha256() + "\n");
    // the "engine" reports what the hf backend's metrics line reports: its python and versions
    String engine =
        "\"$ENGINE_PYTHON\" -c \"import json, sys, platform, torch, transformers;"
            + " print(json.dumps({\\\"python\\\": platform.python_version(),"
            + " \\\"python_executable\\\": sys.executable, \\\"torch\\\": torch.__version__,"
            + " \\\"transformers\\\": transformers.__version__}))\"";
    cli.profile(
        "hfstub",
        Cli.shellProfile(engine)
            .replace("  torchIndex: cpu\n", "  torchIndex: cpu\n  pythonLock: hf.lock\n")
            .replace("engine:\n", "engine:\n  backend: hf\n"));
  }

  @AfterEach
  void stop() {
    index.close();
  }

  @Test
  void envPreparesTheVenvAndItsLogEndsWithHowToActivateIt() throws IOException {
    Cli.Result r = cli.run("env", "--profile", "hfstub");
    assertEquals(0, r.code(), r::toString);
    String activate = "source " + dir.resolve(".venv-olmo2") + "/bin/activate";
    assertTrue(r.out().contains("To activate this env by hand: " + activate), r::toString);
    List<String> log = Files.readAllLines(bootstrapLog());
    assertEquals("To activate this env by hand: " + activate, log.get(log.size() - 1));
    assertTrue(log.stream().anyMatch(l -> l.contains("--require-hashes")), log::toString);
    assertTrue(log.stream().anyMatch(l -> l.contains("ready: python")), log::toString);

    Cli.Result up = cli.run("up", "--profile", "hfstub");
    assertEquals(0, up.code(), up::toString);
    JsonNode rec = JSON.readTree(runDir("up").resolve("run.json").toFile());
    JsonNode metrics = rec.get("metrics");
    assertEquals("1.0+cpu", metrics.get("torch").asText(), rec::toString);
    assertEquals("4.0", metrics.get("transformers").asText());
    assertEquals(
        dir.resolve(".venv-olmo2/bin/python").toString(),
        metrics.get("python_executable").asText());
    boolean reused = false;
    for (JsonNode step : rec.get("steps")) {
      reused |=
          step.get("step").asText().equals("python-env")
              && step.get("outcome").asText().equals("skipped");
    }
    assertTrue(reused, "the second prepare is one check: " + rec.get("steps"));
  }

  @Test
  void envOnARemoteProfileSaysItIsNotThereYet() {
    Cli.Result r = cli.run("env", "--profile", "vast");
    assertEquals(8, r.code(), r::toString);
    assertTrue(r.err().contains("local targets only"), r::toString);
  }

  private Path bootstrapLog() throws IOException {
    return runDir("hfstub").resolve("bootstrap.log");
  }

  /** The newest run folder (run ids sort by time). */
  private Path runDir(String ignored) throws IOException {
    try (Stream<Path> runs = Files.list(dir.resolve("logs"))) {
      return runs.filter(Files::isDirectory).sorted().reduce((a, b) -> b).orElseThrow();
    }
  }
}
