package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.local.LocalEnv;
import dev.orchestrate.core.pyenv.SimpleIndex;
import dev.orchestrate.core.pyenv.Wheels;
import dev.orchestrate.testkit.Dockerd;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code orchestrate env} on a docker profile, on the real dockerd: it builds the image the profile
 * names from its recipe (a Debian base with python3-venv and a venv layer from a test lock, pip
 * against a loopback index serving small wheels) and reports the env layer it carries: built the
 * first time, reused the second, with the python and torch a container of the image runs.
 */
@Tag("integration")
class EnvCommandDockerIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void envBuildsTheProfilesImageAndReportsItsEnvLayer() throws Exception {
    Wheels.Wheel transformers = Wheels.module("transformers", "4.0");
    try (SimpleIndex index = new SimpleIndex();
        Dockerd dockerd = Dockerd.start()) {
      index.add("pypi", transformers);
      index.add("cpu", Wheels.torch("1.0+cpu", null));
      Cli cli = new Cli(dir);
      cli.env.put("DOCKER_HOST", dockerd.host());
      cli.env.put(LocalEnv.PACKAGE_INDEX, index.url("pypi"));
      cli.env.put(LocalEnv.TORCH_INDEX_BASE, index.url("pypi").replace("/pypi/", "/"));
      Files.createDirectories(dir.resolve("python"));
      Files.writeString(
          dir.resolve("python/test.lock"),
          "transformers==4.0 \\\n    --hash=sha256:" + transformers.sha256() + "\n");
      Path recipe = Files.createDirectories(dir.resolve("images/py"));
      Files.writeString(
          recipe.resolve("image.yaml"),
          String.join(
              "\n",
              "sourceDateEpoch: 1767225600",
              "base:",
              "  debian: {suite: bookworm, variant: apt, include: [python3-venv]}",
              "layers:",
              "  - venv: {lock: ../../python/test.lock, torch: cpu, path: /opt/venv}",
              ""));
      cli.profile(
          "dk",
          "extends: docker\ntarget:\n  docker:\n    image: orchestrate/engine:py\n    gpus: none\n");

      JsonNode first = env(cli);
      assertEquals("orchestrate/engine:py", first.get("image").asText());
      assertTrue(first.get("imageId").asText().startsWith("sha256:"), first::toString);
      assertEquals("/opt/venv", first.get("env").asText());
      assertEquals("/opt/venv/bin/python", first.get("python").asText());
      assertFalse(first.get("reused").asBoolean(), first::toString);
      assertTrue(first.get("detail").asText().startsWith("env layer built"), first::toString);
      assertTrue(first.get("pythonVersion").asText().startsWith("3."), first::toString);
      assertEquals("1.0+cpu (cpu)", first.get("torch").asText());
      assertEquals("source /opt/venv/bin/activate", first.get("activate").asText());
      String log = Files.readString(Path.of(first.get("bootstrapLog").asText()));
      assertTrue(log.contains("installing the locked packages with --require-hashes"), log);

      JsonNode second = env(cli);
      assertTrue(second.get("reused").asBoolean(), second::toString);
      assertEquals(first.get("imageId"), second.get("imageId"), "the same image");
      assertEquals(first.get("torch"), second.get("torch"));

      Cli.Result text = cli.run("env", "--profile", "dk");
      assertEquals(0, text.code(), text::toString);
      assertTrue(text.out().contains("image up to date"), text::toString);
      assertTrue(text.out().contains("env /opt/venv: python 3."), text::toString);
      assertTrue(text.out().contains("torch 1.0+cpu (cpu)"), text::toString);
      assertTrue(
          text.out()
              .contains("In a container of orchestrate/engine:py: source /opt/venv/bin/activate"),
          text::toString);

      // an image that is not built from one of the project's recipes: refused, nothing built
      Cli.Result other =
          cli.run("env", "--profile", "dk", "--set", "target.docker.image=busybox:latest");
      assertEquals(8, other.code(), other::toString);
      assertTrue(other.err().contains("not one of them"), other::toString);
      Cli.Result keep = cli.run("env", "--profile", "dk", "--keep");
      assertEquals(2, keep.code(), keep::toString);
    }
  }

  private static JsonNode env(Cli cli) throws Exception {
    Cli.Result r = cli.run("env", "--profile", "dk", "--json");
    assertEquals(0, r.code(), r::toString);
    // --json: the steps' events one per line, then the result as one (pretty-printed) object
    int result = r.out().lastIndexOf("\n{\n");
    return JSON.readTree(result < 0 ? r.out() : r.out().substring(result + 1));
  }
}
