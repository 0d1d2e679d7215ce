package dev.orchestrate.core.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.ProfileCatalog;
import dev.orchestrate.core.profile.ProfileLoader;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.run.Teardown;
import dev.orchestrate.core.step.MachineProbe;
import dev.orchestrate.core.step.StepRunner;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.TargetContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The env step against stand-in {@code dpkg-query} and {@code sudo} on the PATH. */
class EnvSetupTest {
  @TempDir Path project;
  @TempDir Path bin;
  private final List<Event> events = new ArrayList<>();

  @BeforeEach
  void standIns() throws IOException {
    // dpkg-query knows only "present-pkg"; sudo records what it was asked to run.
    script("dpkg-query", "for a; do last=$a; done\n[ \"$last\" = present-pkg ]\n");
    script("sudo", "printf '%s\\n' \"$*\" >> \"" + bin.resolve("sudo.log") + "\"\n");
  }

  private void script(String name, String body) throws IOException {
    Path f = bin.resolve(name);
    Files.writeString(f, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private Profile profile(String bootstrap) throws IOException {
    Path dir = project.resolve("profiles");
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("p.yaml"),
        "target:\n  type: local\nbootstrap:\n  cudaToolkit: none\n  torchIndex: cpu\n" + bootstrap);
    return new ProfileLoader(
            new ProfileCatalog(
                new ClassLoader(null) {}, List.of(new ProfileCatalog.Folder(dir, "p"))),
            Map.of())
        .load("p")
        .profile();
  }

  private String prepare(Profile p, boolean sudo) throws Exception {
    return machine(p, sudo).get(MachineAttributes.ENV_FINGERPRINT);
  }

  private Machine machine(Profile p, boolean sudo) throws Exception {
    Map<String, String> environment = Map.of("PATH", bin + ":/usr/bin:/bin");
    LocalProcess processes = new LocalProcess(project, environment, Clock.systemUTC());
    LocalEnv python =
        new LocalEnv(
            new TargetContext(
                project,
                project.resolve(".orchestrate"),
                new Ledger(project.resolve(".orchestrate/ledger.json")),
                Clock.systemUTC(),
                d -> {},
                new Redactor(),
                environment));
    EnvSetup env =
        new EnvSetup(
            project.resolve(".orchestrate"),
            processes,
            Clock.systemUTC(),
            p,
            host(sudo),
            python::preparePython);
    UpState start =
        UpState.start(
            RunId.parse("20261126-101500-p-ab12"),
            p,
            host(sudo),
            project.resolve("logs"),
            project,
            new Cancellation(),
            events::add,
            Teardown.KEEP);
    return new StepRunner(
            Clock.systemUTC(),
            d -> {},
            new Ledger(project.resolve(".orchestrate/ledger.json")),
            MachineProbe.NONE,
            new StepRunner.Listener() {})
        .run(List.of(env), start)
        .orThrow()
        .requireMachine();
  }

  private StepEnded lastEnd() {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (events.get(i) instanceof StepEnded e) {
        return e;
      }
    }
    throw new AssertionError("no step ended: " + events);
  }

  private static HostFacts host(boolean sudo) {
    return new HostFacts(
        "Debian",
        "amd64",
        2,
        1L << 34,
        "/",
        1L << 36,
        List.of(),
        Optional.of("no GPU"),
        Optional.empty(),
        Optional.empty(),
        "12.8",
        "default",
        "cu128",
        sudo,
        new HostFacts.Docker(false, "unix:///nowhere", ""),
        true,
        true);
  }

  @Test
  void presentPackagesInstallNothingAndTheSecondRunIsSkipped() throws Exception {
    Profile p = profile("  systemPackages: install\n  packages: [present-pkg]\n");
    String fingerprint = prepare(p, false);
    assertEquals(StepEnded.Outcome.OK, lastEnd().outcome());
    assertEquals("system packages present", lastEnd().detail());
    assertEquals(fingerprint, prepare(p, false));
    assertEquals(StepEnded.Outcome.SKIPPED, lastEnd().outcome());
    assertFalse(Files.exists(bin.resolve("sudo.log")));
  }

  @Test
  void missingPackagesAreInstalledWithSudo() throws Exception {
    prepare(
        profile("  systemPackages: install\n  packages: [present-pkg, cmake, ninja-build]\n"),
        true);
    assertEquals("installed cmake ninja-build", lastEnd().detail());
    assertEquals(
        "-n apt-get install -y -q cmake ninja-build\n", Files.readString(bin.resolve("sudo.log")));
  }

  @Test
  void installWithoutSudoFailsWithAHint() throws Exception {
    Profile p = profile("  systemPackages: install\n  packages: [cmake]\n");
    OrchestrateException e = assertThrows(OrchestrateException.class, () -> prepare(p, false));
    assertTrue(
        e.getMessage().contains("[cmake] are missing and sudo needs a password"), e::getMessage);
    assertTrue(e.hint().orElseThrow().contains("if-allowed"));
    assertEquals(StepEnded.Outcome.FAILED, lastEnd().outcome());
    assertFalse(
        Files.exists(project.resolve(".orchestrate/env/p.fingerprint")), "no marker on failure");
  }

  @Test
  void ifAllowedWithoutSudoWarnsAndGoesOn() throws Exception {
    prepare(profile("  systemPackages: if-allowed\n  packages: [cmake]\n"), false);
    assertTrue(
        events.stream()
            .anyMatch(
                e -> e instanceof Warning w && w.message().contains("sudo is not available")));
    assertEquals("system packages skipped (no sudo)", lastEnd().detail());
  }

  @Test
  void aChangedBootstrapRunsTheStepAgain() throws Exception {
    prepare(profile("  systemPackages: skip\n"), false);
    prepare(profile("  systemPackages: skip\n  pythonEnv: other-env\n"), false);
    assertEquals(StepEnded.Outcome.OK, lastEnd().outcome());
  }

  /**
   * A real python3 whose import path holds a {@code torch} and a {@code transformers} package
   * written here ({@code torchInit} is torch's {@code __init__.py}): an interpreter with its own ML
   * stack, as a machine image has one.
   */
  private Path interpreter(String torchInit) throws IOException {
    Path site = project.resolve("site");
    Files.createDirectories(site.resolve("torch"));
    Files.createDirectories(site.resolve("transformers"));
    Files.writeString(site.resolve("torch/__init__.py"), torchInit);
    Files.writeString(site.resolve("transformers/__init__.py"), "__version__ = '5.17.0'\n");
    script("ml-python", "PYTHONPATH='" + site + "' exec python3 \"$@\"\n");
    return bin.resolve("ml-python");
  }

  @Test
  void bootstrapPythonIsUsedAsItIsAndItsVersionsAreLogged() throws Exception {
    Path python = interpreter("__version__ = '2.11.0+cu130'\nclass version:\n    cuda = '13.0'\n");
    Machine m =
        machine(
            profile("  systemPackages: skip\n  python: " + python + "\nengine:\n  backend: hf\n"),
            false);
    assertEquals(python.toString(), m.get(MachineAttributes.ENGINE_PYTHON));
    assertFalse(Files.exists(project.resolve(".venv-olmo2")), "no venv is made");
    String log;
    try (var walk = Files.walk(project.resolve("logs"))) {
      log =
          Files.readString(walk.filter(f -> f.endsWith("bootstrap.log")).findFirst().orElseThrow());
    }
    assertTrue(log.contains("torch 2.11.0+cu130 cuda 13.0"), log);
    assertTrue(log.contains("transformers 5.17.0"), log);
    assertTrue(log.contains("nothing installed"), log);
    StepEnded env =
        events.stream()
            .filter(e -> e instanceof StepEnded se && se.step().equals("python-env"))
            .map(StepEnded.class::cast)
            .findFirst()
            .orElseThrow();
    assertEquals(StepEnded.Outcome.SKIPPED, env.outcome(), "nothing was installed");
    assertTrue(env.detail().contains("used as it is (torch 2.11.0+cu130"), env::detail);
  }

  @Test
  void bootstrapPythonThatCannotImportTorchFailsWithTheReason() throws Exception {
    Path python =
        interpreter("raise ImportError('libcudart.so.13: cannot open shared object file')\n");
    Profile p =
        profile("  systemPackages: skip\n  python: " + python + "\nengine:\n  backend: hf\n");
    OrchestrateException e = assertThrows(OrchestrateException.class, () -> machine(p, false));
    assertTrue(e.getMessage().contains("cannot run the hf backend"), e::getMessage);
    assertTrue(e.getMessage().contains("libcudart.so.13"), e::getMessage);
    assertTrue(e.hint().orElseThrow().contains("remove bootstrap.python"));
    assertFalse(Files.exists(project.resolve(".venv-olmo2")), "no venv is made");
  }

  @Test
  void bootstrapPythonMustBeAnAbsolutePath() {
    var problem =
        assertThrows(Exception.class, () -> profile("  python: bin/python3\n")).getMessage();
    assertTrue(problem.contains("bootstrap.python"), problem);
    assertTrue(problem.contains("absolute path"), problem);
  }
}
