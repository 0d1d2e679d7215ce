package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.hubsim.HubServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code orchestrate assets pull|import} against the Hub stand-in and a real HF cache layout. */
class AssetsCommandTest {
  private static final String TOKEN = "hf_cliTestTokenNeverPrinted42";
  private static final String SHARD = "model-00001-of-00001.safetensors";

  @TempDir Path tmp;
  private HubServer hub;
  private Cli cli;
  private String commit;

  @BeforeEach
  void start() throws IOException {
    hub = new HubServer(0, 0, TOKEN).start();
    Path repo = tmp.resolve("repo");
    Files.createDirectories(repo);
    byte[] weights = new byte[(2 << 20) + 3];
    new Random(1).nextBytes(weights);
    Files.write(repo.resolve(SHARD), weights);
    Files.writeString(
        repo.resolve("model.safetensors.index.json"), "{\"weight_map\":{\"w\":\"" + SHARD + "\"}}");
    Files.writeString(repo.resolve("config.json"), "{\"model_type\":\"olmo2\"}");
    Files.writeString(repo.resolve("tokenizer.json"), "{}");
    Files.write(repo.resolve("pytorch_model.bin"), weights);
    commit = hub.repo("allenai/OLMo-2-sim", false).addCommit("main", repo);
    hub.repo("allenai/OLMo-2-gated", true).addCommit("main", repo);
    cli = new Cli(tmp.resolve("project"));
    cli.env.put("HF_ENDPOINT", hub.endpoint().toString());
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  @Test
  void pullStagesPinsAndSaysSoThenMovesNothingTheSecondTime() throws IOException {
    Cli.Result r = cli.run("assets", "pull", "allenai/OLMo-2-sim");

    assertEquals(0, r.code(), r.toString());
    Path dir = cli.project.resolve("llm_raw/olmo_2");
    assertTrue(Files.isRegularFile(dir.resolve(SHARD)));
    assertFalse(Files.exists(dir.resolve("pytorch_model.bin")));
    assertTrue(
        Files.readString(dir.resolve(".pin.json")).contains("\"commit\" : \"" + commit + "\""));
    assertTrue(
        r.out().startsWith("staged hf://allenai/OLMo-2-sim@" + commit + " in " + dir + ": 4 files"),
        r.toString());
    assertTrue(r.err().contains("allenai/OLMo-2-sim@main is commit " + commit), r.toString());

    long served = hub.stats().totalBytesServed();
    Cli.Result again = cli.run("assets", "pull", "allenai/OLMo-2-sim", "--json");
    assertEquals(0, again.code(), again.toString());
    assertEquals(served, hub.stats().totalBytesServed());
    JsonNode last = lastJson(again.out());
    assertEquals("staged", last.path("event").asText());
    assertEquals(0, last.path("moved").asLong());
    assertEquals(4, last.path("kept").asInt());
    assertEquals(commit, last.path("commit").asText());
  }

  @Test
  void gatedAndMissingReposAreOneLineErrorsWithAHintAndTheTokenNeverShows() throws IOException {
    Cli.Result gated = cli.run("assets", "pull", "allenai/OLMo-2-gated", "--dir", "g");
    assertEquals(4, gated.code(), gated.toString());
    assertEquals(
        "error: allenai/OLMo-2-gated is gated (HTTP 401)\n"
            + "hint: accept the licence at "
            + hub.endpoint()
            + "/allenai/OLMo-2-gated and set HF_TOKEN\n",
        gated.err());

    Cli.Result missing = cli.run("assets", "pull", "allenai/nope@main");
    assertEquals(4, missing.code());
    assertTrue(
        missing.err().startsWith("error: repository allenai/nope not found on "), missing.err());

    Cli.Result bad = cli.run("assets", "pull", "not-a-repo");
    assertEquals(2, bad.code());

    cli.env.put("HF_TOKEN", TOKEN);
    Cli.Result ok = cli.run("assets", "pull", "allenai/OLMo-2-gated", "--dir", "g", "--json");
    assertEquals(0, ok.code(), ok.toString());
    // The token from the file works as well, and is redacted as well.
    cli.env.remove("HF_TOKEN");
    Path hfHome = tmp.resolve("hf");
    Files.createDirectories(hfHome);
    Files.writeString(hfHome.resolve("token"), TOKEN + "\n");
    cli.env.put("HF_HOME", hfHome.toString());
    Cli.Result fromFile =
        cli.run("assets", "pull", "allenai/OLMo-2-gated", "--dir", "g2", "--stacktrace");
    assertEquals(0, fromFile.code(), fromFile.toString());
    for (Cli.Result x : new Cli.Result[] {gated, missing, ok, fromFile}) {
      assertFalse(x.toString().contains(TOKEN), x.toString());
    }
    String log = Files.readString(cli.project.resolve("logs/orchestrate.log"));
    assertFalse(log.contains(TOKEN));
    assertEquals(0, hub.stats().cdnAuthorized());
  }

  @Test
  void importStagesFromAHuggingfaceHubCache() throws IOException {
    Path cache = tmp.resolve("hf/hub");
    Path repo = cache.resolve("models--allenai--OLMo-2-sim");
    String sha = "0123456789abcdef0123456789abcdef01234567";
    Files.createDirectories(repo.resolve("refs"));
    Files.createDirectories(repo.resolve("blobs"));
    Files.createDirectories(repo.resolve("snapshots/" + sha));
    Files.writeString(repo.resolve("refs/main"), sha);
    try (Stream<Path> s = Files.list(tmp.resolve("repo"))) {
      for (Path f : s.toList()) {
        String name = f.getFileName().toString();
        String etag =
            name.endsWith(".safetensors") || name.endsWith(".bin") ? sha256(f) : gitBlob(f);
        Path blob = repo.resolve("blobs").resolve(etag);
        if (!Files.exists(blob)) { // equal files share one blob, as in huggingface_hub's cache
          Files.copy(f, blob);
        }
        Files.createSymbolicLink(
            repo.resolve("snapshots/" + sha + "/" + name), Path.of("../../blobs/" + etag));
      }
    }
    cli.env.put("HF_HOME", tmp.resolve("hf").toString());

    Cli.Result r = cli.run("assets", "import", "allenai/OLMo-2-sim", "--dir", "imported");

    assertEquals(0, r.code(), r.toString());
    Path staged = cli.project.resolve("imported").resolve(SHARD);
    assertFalse(Files.isSymbolicLink(staged));
    assertTrue(Files.isSameFile(staged, repo.resolve("snapshots/" + sha + "/" + SHARD)));
    assertTrue(r.out().startsWith("staged hf://allenai/OLMo-2-sim@" + sha), r.out());
  }

  private static JsonNode lastJson(String out) throws IOException {
    String[] lines = out.strip().split("\n");
    return new ObjectMapper().readTree(lines[lines.length - 1]);
  }

  private static String sha256(Path f) throws IOException {
    return dev.orchestrate.hub.FileDigest.of(f, false).sha256();
  }

  private static String gitBlob(Path f) throws IOException {
    return dev.orchestrate.hub.FileDigest.of(f, true).blobId();
  }
}
