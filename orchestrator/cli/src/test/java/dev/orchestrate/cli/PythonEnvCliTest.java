package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.pyenv.SimpleIndex;
import dev.orchestrate.core.pyenv.Wheels;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.time.Sleeper;
import dev.orchestrate.ssh.SshTarget;
import dev.orchestrate.testkit.Sshd;
import dev.orchestrate.testkit.TinySnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
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
  void envOnARentedProfileWithoutKeepIsRefusedBeforeRenting() {
    Cli.Result r = cli.run("env", "--profile", "vast");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("without --keep"), r::toString);
    assertTrue(r.err().contains("--keep' rents one"), r::toString);
  }

  /**
   * An ssh profile: {@code env} connects, qualifies, ships the engine runtime and makes the python
   * env on the machine (a real sshd here, pip against the loopback index), sends no assets and
   * leaves nothing in the ledger.
   */
  @Test
  void envOnAnSshProfilePreparesTheMachineWithoutRunning() throws Exception {
    assumeTrue(TinySnapshot.engineBuilt(), "the engine is built");
    Files.createSymbolicLink(dir.resolve("engine"), TinySnapshot.REPO.resolve("engine"));
    Files.createSymbolicLink(dir.resolve("native"), TinySnapshot.REPO.resolve("native"));
    cli.env.put("ORCHESTRATE_PACKAGE_INDEX", index.url("pypi"));
    // the project's key, as the CLI's ssh target makes it
    new SshTarget(
        new TargetContext(
            dir,
            dir.resolve(".orchestrate"),
            new Ledger(dir.resolve(".orchestrate/ledger.json")),
            Clock.systemUTC(),
            Sleeper.system(),
            new Redactor(),
            Map.copyOf(cli.env)));
    String key = Files.readString(dir.resolve(".orchestrate/ssh/id_ed25519.pub")).trim();
    try (Sshd sshd =
        Sshd.start(Sshd.Options.in(dir.resolve("box")).withAuthorizedKeys(List.of(key)))) {
      cli.profile(
          "box",
          "extends: base\n"
              + "target:\n  type: ssh\n  ssh: {host: "
              + sshd.host()
              + ", port: "
              + sshd.port()
              + ", user: "
              + sshd.user()
              + "}\n"
              + "bootstrap:\n  systemPackages: skip\n  cudaToolkit: none\n  torchIndex: cpu\n"
              + "  pythonEnv: ~/venvs/olmo\n  pythonLock: hf.lock\n"
              + "assets:\n  dir: assets\n"
              + "engine:\n  backend: hf\n");
      Cli.Result r = cli.run("env", "--profile", "box");
      assertEquals(0, r.code(), r::toString);
      String env = sshd.home().resolve("venvs/olmo").toString();
      assertTrue(
          r.out().contains("To activate this env by hand (on the machine): source " + env),
          r::toString);
      assertTrue(Files.isExecutable(sshd.home().resolve("orchestrate/.env/engine/bin/engine")));
      assertTrue(
          Files.readString(bootstrapLog()).contains("ready: python"), "the env was made there");
      assertFalse(Files.exists(sshd.home().resolve("orchestrate/assets")), "no assets were sent");
      assertTrue(
          new Ledger(dir.resolve(".orchestrate/ledger.json")).entries().isEmpty(),
          "the machine left the ledger: nothing runs");
    }
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
