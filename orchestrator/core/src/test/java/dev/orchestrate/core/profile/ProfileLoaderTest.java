package dev.orchestrate.core.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileLoaderTest {
  private static final ClassLoader NOTHING_SHIPPED = new ClassLoader(null) {};

  @TempDir Path dir;

  private ProfileLoader loader(Map<String, String> env) {
    return new ProfileLoader(
        new ProfileCatalog(NOTHING_SHIPPED, List.of(new ProfileCatalog.Folder(dir, "p"))), env);
  }

  private void write(String name, String yaml) throws IOException {
    Files.writeString(dir.resolve(name + ".yaml"), yaml);
  }

  private List<String> problems(String name) {
    return problems(name, List.of(), Map.of());
  }

  private List<String> problems(String name, List<String> sets, Map<String, String> env) {
    ProfileException e = assertThrows(ProfileException.class, () -> loader(env).load(name, sets));
    assertEquals(ErrorCode.PROFILE, e.code());
    return e.problems().stream().map(ProfileProblem::toString).toList();
  }

  private static void assertHas(List<String> problems, String expected) {
    assertTrue(
        problems.stream().anyMatch(p -> p.contains(expected)),
        () -> "expected a problem containing <" + expected + "> in " + problems);
  }

  @Test
  void shippedProfilesAllLoad() {
    ProfileLoader shipped =
        new ProfileLoader(new ProfileCatalog(getClass().getClassLoader(), List.of()), Map.of());
    for (String name : ShippedProfiles.NAMES) {
      LoadedProfile p = shipped.load(name);
      assertEquals(name, p.profile().name());
    }
    Profile cpu = shipped.load("cpu").profile();
    assertEquals(TargetType.LOCAL, cpu.target().type());
    assertEquals(TorchIndex.CPU, cpu.bootstrap().torchIndex());
    assertEquals("llm_raw/olmo_2", cpu.assets().dir());
    Profile vast = shipped.load("vast").profile();
    assertEquals(0.60, vast.target().vast().maxPricePerHour());
    assertEquals(SystemPackages.SKIP, vast.bootstrap().systemPackages());
    assertEquals(List.of("shipped base.yaml", "shipped vast.yaml"), shipped.load("vast").layers());
  }

  @Test
  void shippedListMatchesTheProfilesFolder() throws IOException {
    Path folder = Path.of("../../profiles");
    try (Stream<Path> files = Files.list(folder)) {
      List<String> names =
          files
              .map(f -> f.getFileName().toString())
              .filter(f -> f.endsWith(".yaml"))
              .map(f -> f.substring(0, f.length() - 5))
              .sorted()
              .collect(Collectors.toList());
      assertEquals(names, ShippedProfiles.NAMES);
    }
  }

  @Test
  void userFolderOverridesShippedAndCanExtendIt() throws IOException {
    write("cpu", "extends: cpu\nengine:\n  maxNewTokens: 3\n");
    ProfileLoader l =
        new ProfileLoader(
            new ProfileCatalog(
                getClass().getClassLoader(), List.of(new ProfileCatalog.Folder(dir, "p"))),
            Map.of());
    LoadedProfile p = l.load("cpu");
    assertEquals(3, p.profile().engine().maxNewTokens());
    assertEquals(TorchIndex.CPU, p.profile().bootstrap().torchIndex());
    assertEquals(List.of("shipped base.yaml", "shipped cpu.yaml", "p/cpu.yaml"), p.layers());
  }

  @Test
  void extendsMergesNestedKeysAndReplacesLists() throws IOException {
    write("parent", "target:\n  type: local\nengine:\n  prompt: hi\n  command: [a, b]\n");
    write("child", "extends: parent\nengine:\n  command: [c]\n");
    Profile p = loader(Map.of()).load("child").profile();
    assertEquals("hi", p.engine().prompt());
    assertEquals(List.of("c"), p.engine().command());
  }

  @Test
  void environmentSubstitutionWithDefaults() throws IOException {
    write(
        "e",
        "target:\n  type: local\nassets:\n  dir: ${ASSETS}\nlogs:\n  dir: ${LOGS:-out/logs}\n");
    Profile p = loader(Map.of("ASSETS", "/data/olmo")).load("e").profile();
    assertEquals("/data/olmo", p.assets().dir());
    assertEquals("out/logs", p.logs().dir());
  }

  @Test
  void assetsFetchIsAProfileKey() throws IOException {
    write(
        "f",
        "target:\n  type: local\nassets:\n  source: hf://allenai/OLMo-2-0425-1B@main\n  fetch: local\n");
    Profile p = loader(Map.of()).load("f").profile();
    assertEquals("local", p.assets().fetch());
    assertEquals(false, p.assets().fetchesOnTarget(true));

    write(
        "g",
        "target:\n  type: local\nassets:\n  source: hf://allenai/OLMo-2-0425-1B@main\n  fetch: target\n");
    assertHas(problems("g"), "target is for the vast target");
  }

  @Test
  void unsetEnvironmentVariableIsAProblemWithItsLine() throws IOException {
    write("e", "target:\n  type: local\nassets:\n  dir: ${NOPE_NOT_SET}\n");
    assertHas(
        problems("e"), "p/e.yaml:4: assets.dir: environment variable NOPE_NOT_SET is not set");
  }

  @Test
  void setOverridesApplyWithTypes() throws IOException {
    write("v", "target:\n  type: vast\n  vast:\n    maxPricePerHour: 1\n");
    Profile p =
        loader(Map.of())
            .load(
                "v",
                List.of(
                    "target.vast.maxPricePerHour=0.5",
                    "engine.command=[x, y]",
                    "engine.prompt=Hello: world",
                    "target.vast.budget.maxTotalUsd=3"))
            .profile();
    assertEquals(0.5, p.target().vast().maxPricePerHour());
    assertEquals(List.of("x", "y"), p.engine().command());
    assertEquals("Hello: world", p.engine().prompt());
    assertEquals(3.0, p.target().vast().budget().maxTotalUsd());
  }

  @Test
  void badSetOverridesAreReported() throws IOException {
    write("l", "target:\n  type: local\n");
    List<String> problems = problems("l", List.of("nonsense", "engine.promt=x"), Map.of());
    assertHas(problems, "expected --set key.path=value, got 'nonsense'");
    assertHas(
        problems, "--set engine.promt: engine.promt: unknown key 'promt'; did you mean 'prompt'?");
  }

  @Test
  void unknownKeyNamesFileLinePathAndSuggestion() throws IOException {
    write("u", "target:\n  type: local\nengine:\n  maxNewToken: 4\n");
    assertHas(
        problems("u"),
        "p/u.yaml:4: engine.maxNewToken: unknown key 'maxNewToken'; did you mean 'maxNewTokens'?");
  }

  @Test
  void wrongTypes() throws IOException {
    write("w", "target:\n  type: local\nengine:\n  maxNewTokens: lots\n  command: run\n");
    List<String> problems = problems("w");
    assertHas(problems, "p/w.yaml:4: engine.maxNewTokens: expected a whole number, got 'lots'");
    assertHas(problems, "p/w.yaml:5: engine.command: expected a list, got 'run'");
  }

  @Test
  void missingRequiredKey() throws IOException {
    write("m", "description: no target\n");
    assertHas(problems("m"), "target: missing required key 'target'");
    write("m2", "target:\n  vast: {}\n");
    assertHas(problems("m2"), "p/m2.yaml:1: target.type: missing required key 'type'");
  }

  @Test
  void badEnumValueListsTheAllowedOnes() throws IOException {
    write("b", "target:\n  type: cloud\nbootstrap:\n  torchIndex: cu999\n");
    List<String> problems = problems("b");
    assertHas(problems, "p/b.yaml:2: target.type: 'cloud' is not one of: local, ssh, vast, docker");
    assertHas(
        problems, "p/b.yaml:4: bootstrap.torchIndex: 'cu999' is not one of: auto, cpu, cu118");
  }

  @Test
  void impossibleValuesFromTheRecordsThemselves() throws IOException {
    write(
        "i",
        "target:\n  type: local\nengine:\n  maxNewTokens: 0\nbootstrap:\n  cudaToolkit: latest\n"
            + "assets:\n  source: allenai/OLMo-2-0425-1B\n");
    List<String> problems = problems("i");
    assertHas(problems, "p/i.yaml:8: assets.source: expected hf://ORG/NAME[@REVISION]");
    assertHas(problems, "p/i.yaml:4: engine.maxNewTokens: must be 1 to 65536");
    assertHas(problems, "p/i.yaml:6: bootstrap.cudaToolkit: expected auto, none or a version");
  }

  @Test
  void extendsCycleIsRejected() throws IOException {
    write("a", "extends: b\ntarget:\n  type: local\n");
    write("b", "extends: c\n");
    write("c", "extends: a\n");
    assertHas(problems("a"), "p/c.yaml:1: extends: extends cycle: a → b → c → a");
  }

  @Test
  void extendsOfAnUnknownProfile() throws IOException {
    write("a", "extends: nobody\n");
    assertHas(problems("a"), "p/a.yaml:1: extends: no profile named 'nobody'");
  }

  @Test
  void duplicateKeys() throws IOException {
    write("d", "target:\n  type: local\nengine:\n  prompt: a\n  prompt: b\n");
    assertHas(problems("d"), "p/d.yaml:5: engine.prompt: duplicate key (first set on line 4)");
  }

  @Test
  void tabsInIndentation() throws IOException {
    write("t", "target:\n\ttype: local\n");
    assertHas(problems("t"), "p/t.yaml:2: tab used for indentation");
  }

  @Test
  void brokenYaml() throws IOException {
    write("y", "target:\n  type: [local\nengine: {\n");
    List<String> problems = problems("y");
    assertEquals(1, problems.size(), problems::toString);
    assertTrue(problems.get(0).startsWith("p/y.yaml:"), problems::toString);
    assertHas(problems, "broken YAML");
  }

  @Test
  void notAMapping() throws IOException {
    write("s", "- just\n- a list\n");
    assertHas(problems("s"), "a profile is a mapping of keys to values, not a list");
  }

  @Test
  void secretsAreRejected() throws IOException {
    write(
        "k",
        "target:\n  type: local\n  vast:\n    apiKey: abc12345\n"
            + "engine:\n  environment:\n    HF: hf_abcdefghijklmnopqrstuvwxyzABCDEFGH\n"
            + "    KEY: ${VAST_API_KEY}\n"
            + "  prompt: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
    List<String> problems = problems("k", List.of(), Map.of("VAST_API_KEY", "x"));
    assertHas(problems, "p/k.yaml:4: target.vast.apiKey: 'apiKey' looks like a credential");
    assertHas(problems, "p/k.yaml:7: engine.environment.HF: the value looks like an API key");
    assertHas(
        problems, "p/k.yaml:8: engine.environment.KEY: the value refers to the secret variable");
    assertHas(problems, "p/k.yaml:9: engine.prompt: the value looks like an API key");
    assertTrue(problems.stream().noneMatch(p -> p.contains("abcdefghijklmnop")), "no echo");
  }

  @Test
  void everyProblemIsReportedTogether() throws IOException {
    write(
        "all",
        "target:\n  type: vast\n  vast:\n    gpuCount: 0\n    colour: red\n"
            + "engine:\n  backend: tpu\n");
    List<String> problems = problems("all");
    assertHas(problems, "target.vast.gpuCount: must be between 1 and 16");
    assertHas(problems, "target.vast.colour: unknown key");
    assertHas(problems, "engine.backend: 'tpu' is not one of: reference, custom, hf");
    assertEquals(3, problems.size(), problems::toString);
  }

  @Test
  void targetSectionsRequireWhatTheirTargetNeeds() throws IOException {
    write("v", "target:\n  type: vast\n  vast:\n    gpuName: A100\n");
    assertHas(
        problems("v"), "p/v.yaml:3: target.vast.maxPricePerHour: required for the vast target");
    write("s", "target:\n  type: ssh\n");
    assertHas(problems("s"), "target.ssh.host: required for the ssh target");
    write("d", "target:\n  type: docker\n");
    assertHas(problems("d"), "target.docker.image: required for the docker target");
  }

  @Test
  void nameIsNotAKey() throws IOException {
    write("n", "name: other\ntarget:\n  type: local\n");
    assertHas(problems("n"), "p/n.yaml:1: name: unknown key 'name'");
  }

  @Test
  void unknownProfileName() {
    ProfileException e = assertThrows(ProfileException.class, () -> loader(Map.of()).load("zzz"));
    assertTrue(e.getMessage().contains("no profile named 'zzz'"));
  }

  @Test
  void remoteTargetsKeepAssetsInsideTheWorkFolder() throws IOException {
    String ssh = "target:\n  type: ssh\n  ssh:\n    host: box\n";
    write("up", ssh + "assets:\n  dir: ../x\n");
    assertHas(problems("up"), "p/up.yaml:6: assets.dir: '../x' leaves the project folder");
    write("deep", ssh + "assets:\n  dir: a/../../x\n");
    assertHas(problems("deep"), "p/deep.yaml:6: assets.dir: 'a/../../x' leaves the project");
    write("abs", ssh + "assets:\n  dir: /data/olmo\n");
    assertHas(problems("abs"), "p/abs.yaml:6: assets.dir: '/data/olmo' is absolute");
    write("snap", ssh + "engine:\n  snapshot: ../../etc\n");
    assertHas(problems("snap"), "p/snap.yaml:6: engine.snapshot: '../../etc' leaves the project");
    List<String> set = problems("snap", List.of("assets.dir=..", "engine.snapshot=x"), Map.of());
    assertHas(set, "--set assets.dir");
    // inside is fine, and a local run may read its snapshot from anywhere
    write("inside", ssh + "assets:\n  dir: a/../models/./olmo\n");
    assertEquals("a/../models/./olmo", loader(Map.of()).load("inside").profile().assets().dir());
    write("local", "target:\n  type: local\nassets:\n  dir: ../shared/olmo\n");
    assertEquals("../shared/olmo", loader(Map.of()).load("local").profile().assets().dir());
  }

  @Test
  void yamlAliasesAreRefusedWithTheirLineInsteadOfReadAsText() throws IOException {
    write(
        "a",
        "target:\n  type: vast\n  vast:\n    maxPricePerHour: &p 0.5\n    gpuName: *p\n"
            + "engine:\n  command: [a, *p]\n");
    List<String> problems = problems("a");
    assertHas(problems, "p/a.yaml:5: target.vast.gpuName: the YAML alias *p is not supported");
    assertHas(problems, "p/a.yaml:7: engine.command[1]: the YAML alias *p is not supported");
    write("laughs", "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\ntarget:\n  type: local\n");
    assertHas(problems("laughs"), "p/laughs.yaml:2: b[0]: the YAML alias *a is not supported");
  }

  @Test
  void aMistypedCountIsAnUnknownKeyNotACredential() throws IOException {
    write("t", "target:\n  type: local\nengine:\n  maxNewToken: 8\n");
    List<String> problems = problems("t");
    assertEquals(
        List.of(
            "p/t.yaml:4: engine.maxNewToken: unknown key 'maxNewToken'; did you mean"
                + " 'maxNewTokens'? (allowed: backend, command, snapshotCommand, snapshot, prompt,"
                + " maxNewTokens, seed, environment, prompts, resumeFrom, allowCpuFallback)"),
        problems);
    write("s", "target:\n  type: local\nengine:\n  environment:\n    HF_TOKEN: abc123\n");
    assertHas(problems("s"), "'HF_TOKEN' looks like a credential");
  }

  @Test
  void numbersThatOverflowOrAreNotFiniteAreRefused() throws IOException {
    String vast = "target:\n  type: vast\n  vast:\n    maxPricePerHour: ";
    write("big", "target:\n  type: local\nengine:\n  maxNewTokens: 18446744073709551632\n");
    assertHas(
        problems("big"),
        "p/big.yaml:4: engine.maxNewTokens: number out of range: 18446744073709551632");
    write("ok", "target:\n  type: local\n");
    assertHas(
        problems("ok", List.of("engine.maxNewTokens=18446744073709551632"), Map.of()),
        "engine.maxNewTokens: number out of range: 18446744073709551632");
    assertHas(
        problems("ok", List.of("engine.seed=9223372036854775808"), Map.of()),
        "engine.seed: number out of range");
    write("price", vast + "1e400\n");
    assertHas(
        problems("price"), "p/price.yaml:4: target.vast.maxPricePerHour: number out of range");
    write("inf", vast + "0.5\n    budget:\n      maxTotalUsd: .inf\n");
    assertHas(problems("inf"), "p/inf.yaml:6: target.vast.budget.maxTotalUsd: number out of range");
    write("text", vast + "Infinity\n");
    assertHas(problems("text"), "p/text.yaml:4: target.vast.maxPricePerHour: number out of range");
    write("cheap", vast + "0.5\n");
    for (String v : List.of("Infinity", "NaN", "-.inf", "1e400")) {
      assertHas(
          problems("cheap", List.of("target.vast.budget.maxTotalUsd=" + v), Map.of()),
          "target.vast.budget.maxTotalUsd: number out of range");
    }
  }

  @Test
  void aHugeProfileIsRefusedAtOnceWithoutBeingParsed() throws IOException {
    write("huge", "description: " + "x".repeat(20 << 20) + "\ntarget:\n  type: local\n");
    write("fine", "target:\n  type: local\n");
    long start = System.nanoTime();
    ProfileLoader loader = loader(Map.of());
    assertHas(problems("huge"), "p/huge.yaml: the file is larger than 256 KiB");
    assertEquals("fine", loader.load("fine").profile().name());
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 5_000, "refused in " + ms + " ms");
  }

  @Test
  void hostileShapesJustUnderTheLimitAreReadInLinearTime() throws IOException {
    int n = ProfileDocument.MAX_BYTES - 200;
    List<String> shapes =
        List.of(
            "description: " + "${A:-".repeat(n / 5),
            "description: '" + "-----BEGIN ".repeat(n / 11) + "'",
            "description: [" + "[".repeat(n / 2),
            "engine:\n  command: [" + "a, ".repeat(n / 3) + "]",
            "description: " + "sk-".repeat(n / 3));
    for (int i = 0; i < shapes.size(); i++) {
      write("s" + i, shapes.get(i) + "\ntarget:\n  type: local\n");
      long start = System.nanoTime();
      try {
        loader(Map.of("A", "a")).load("s" + i);
      } catch (ProfileException e) {
        // refused is fine; taking minutes is not
      }
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms < 10_000, "shape " + i + " took " + ms + " ms");
    }
  }
}
