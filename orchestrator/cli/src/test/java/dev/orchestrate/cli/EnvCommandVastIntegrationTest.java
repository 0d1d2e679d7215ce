package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.local.LocalEnv;
import dev.orchestrate.core.pyenv.SimpleIndex;
import dev.orchestrate.core.pyenv.Wheels;
import dev.orchestrate.testkit.TinySnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code orchestrate env} on a vast profile against the simulator (sshd instances): with {@code
 * --keep} it rents, makes the hf env on the machine over SSH (real venv and pip against a loopback
 * index serving small wheels) and keeps the machine in the ledger until {@code down} ends it;
 * without {@code --keep} it refuses before renting anything.
 */
@Tag("integration")
class EnvCommandVastIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private SimVast vast;
  private SimpleIndex index;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(
        Files.isRegularFile(TinySnapshot.REPO.resolve("engine/target/runtime-classpath.txt")),
        "the engine is built");
    index = new SimpleIndex();
    Wheels.Wheel transformers = Wheels.module("transformers", "4.0");
    index.add("pypi", transformers);
    index.add("cpu", Wheels.torch("1.0+cpu", null));
    for (String cu : List.of("118", "121", "124", "126", "128", "129")) {
      index.add("cu" + cu, Wheels.torch("1.0+cu" + cu, cu.substring(0, 2) + "." + cu.substring(2)));
    }
    vast = new SimVast(dir);
    vast.cli.env.put(LocalEnv.PACKAGE_INDEX, index.url("pypi"));
    vast.cli.env.put(LocalEnv.TORCH_INDEX_BASE, index.url("pypi").replace("/pypi/", "/"));
    Files.writeString(
        dir.resolve("test.lock"),
        "transformers==4.0 \\\n    --hash=sha256:" + transformers.sha256() + "\n");
    vast.cli.profile(
        "simhf",
        "extends: vast\n"
            + "target:\n  vast:\n    image: vastai/base-image:cuda-12.8-py3\n"
            + "bootstrap:\n  pythonEnv: ~/venvs/olmo\n  pythonLock: test.lock\n"
            + "engine:\n  backend: hf\n");
  }

  @AfterEach
  void stop() {
    if (vast != null) {
      vast.close();
    }
    if (index != null) {
      index.close();
    }
  }

  @Test
  void envWithKeepMakesTheEnvOnARentedMachineThatDownEnds() throws Exception {
    Cli.Result env = vast.cli.run("env", "--profile", "simhf", "--keep", "--json");
    assertEquals(0, env.code(), env::toString);
    // --json: the steps' events one per line, then the result as one (pretty-printed) object
    int result = env.out().lastIndexOf("\n{\n");
    JsonNode out = JSON.readTree(result < 0 ? env.out() : env.out().substring(result + 1));
    String runId = out.get("runId").asText();
    assertEquals("simhf", out.get("profile").asText());
    assertTrue(out.get("python").asText().endsWith("/venvs/olmo/bin/python"), out::toString);
    assertFalse(out.get("reused").asBoolean(), out::toString);
    assertEquals(
        "source " + out.get("env").asText() + "/bin/activate", out.get("activate").asText());
    assertEquals("orchestrate down " + runId, out.get("down").asText());
    List<String> log = Files.readAllLines(Path.of(out.get("bootstrapLog").asText()));
    assertTrue(log.stream().anyMatch(l -> l.contains("--require-hashes")), log::toString);
    assertTrue(log.get(log.size() - 1).endsWith("/venvs/olmo/bin/activate"), log::toString);

    // kept: in the ledger, billing, no assets sent, the env there runs
    assertEquals(1, vast.ledger().size(), vast.ledger()::toString);
    assertEquals(runId, vast.ledger().get(0).get("runId").asText(), vast.ledger()::toString);
    assertFalse(vast.sim.billing().nothingBilling());
    String there =
        ssh(
            runId,
            out.get("python").asText()
                + " -c 'import torch, transformers; print(torch.__version__,"
                + " transformers.__version__)'; ls orchestrate/llm_raw 2>/dev/null | wc -l");
    assertTrue(there.matches("(?s)1\\.0\\+cu\\d+ 4\\.0\\s+0\\s*"), there);

    Cli.Result down = vast.cli.run("down", runId);
    assertEquals(0, down.code(), down::toString);
    assertEquals(0, vast.ledger().size());
    vast.assertNothingBilling();
  }

  @Test
  void envWithoutKeepOnVastRefusesBeforeRentingAnything() throws Exception {
    Cli.Result env = vast.cli.run("env", "--profile", "simhf");
    assertEquals(2, env.code(), env::toString);
    assertTrue(env.err().contains("without --keep"), env::toString);
    assertTrue(env.err().contains("--keep"), env::toString);
    assertEquals(List.of(), vast.sim.billing().billingIds(), "nothing rented");
    assertEquals(0.0, vast.sim.billing().accruedUsd());
    assertEquals(0, vast.ledger().size());
  }

  /** {@code orchestrate ssh RUN -- CMD}: CMD's output on the kept machine. */
  private String ssh(String runId, String command) throws Exception {
    Process p = vast.cli.start("ssh", runId, "--", command);
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}
