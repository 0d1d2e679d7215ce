package dev.orchestrate.core.pyenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.run.Cancellation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The env step for real: {@code python3 -m venv} and pip against a PEP 503 index on 127.0.0.1 that
 * serves wheels built here — a fake torch in a CPU and a CUDA build, a fake transformers — with a
 * lock carrying their real sha256.
 */
class PythonEnvTest {
  @TempDir Path work;
  private SimpleIndex index;
  private final List<String> output = new ArrayList<>();
  private int shellRuns;

  private final Wheels.Wheel transformers = Wheels.module("transformers", "4.0");
  private final Wheels.Wheel tokenizers = Wheels.module("tokenizers", "0.1");

  @BeforeEach
  void serve() throws IOException {
    index = new SimpleIndex();
    index.add("pypi", transformers);
    index.add("pypi", tokenizers);
    index.add("cpu", Wheels.torch("1.0+cpu", null));
    index.add("cu128", Wheels.torch("1.0+cu128", "12.8"));
  }

  @AfterEach
  void stop() {
    index.close();
  }

  @Test
  void installsWithHashesReusesWithOneCheckReplacesACpuTorchAndReinstallsAChangedLock()
      throws Exception {
    Path env = work.resolve("venvs/olmo");
    Lock lock = lock(transformers);

    PythonEnv.Result first = prepare(spec(env, lock, cpu(), python3()));
    assertFalse(first.reused());
    assertEquals(List.of("1.0+cpu", ""), torch(env));
    assertEquals("4.0", run(env, "import transformers; print(transformers.__version__)"));
    assertTrue(
        output.stream().anyMatch(l -> l.contains("--require-hashes")), String.join("\n", output));

    // unchanged: one command, nothing asked of the index
    int requests = index.requests().size();
    shellRuns = 0;
    PythonEnv.Result again = prepare(spec(env, lock, cpu(), python3()));
    assertTrue(again.reused());
    assertEquals(1, shellRuns);
    assertEquals(requests, index.requests().size());

    // the driver now asks for CUDA 12.8: pip keeps the CPU torch, the step replaces it
    output.clear();
    PythonEnv.Result cuda = prepare(spec(env, lock, cu128(), python3()));
    assertFalse(cuda.reused());
    assertEquals(List.of("1.0+cu128", "12.8"), torch(env));
    assertTrue(
        output.stream().anyMatch(l -> l.contains("torch 1.0+cpu is built for cpu, not cu128")),
        String.join("\n", output));

    // a changed lock installs again (and only then)
    Lock changed = lock(transformers, tokenizers);
    assertFalse(prepare(spec(env, changed, cu128(), python3())).reused());
    assertEquals("0.1", run(env, "import tokenizers; print(tokenizers.__version__)"));
    assertTrue(prepare(spec(env, changed, cu128(), python3())).reused());
  }

  @Test
  void aFileThatIsNotTheOneTheLockPinsFailsWithHashMismatch() throws Exception {
    Path env = work.resolve("env");
    index.tamper(transformers.fileName(), Wheels.module("transformers", "4.0-evil").bytes());
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> prepare(spec(env, lock(transformers), cpu(), python3())));
    assertTrue(e.getMessage().startsWith("hash mismatch"), e.getMessage());
    assertTrue(e.getMessage().contains("test.lock"), e.getMessage());
    assertTrue(
        output.stream().anyMatch(l -> l.contains(transformers.sha256())),
        String.join("\n", output));
    assertFalse(Files.exists(env.resolve(PythonEnvScript.MARKER)));
    assertFalse(Files.exists(env.resolve("lib")) && importable(env, "transformers"));
  }

  @Test
  void anInterpreterThatHasTorchKeepsItAndInstallsNone() throws Exception {
    // a "pytorch image": a base interpreter with torch already in its site-packages
    Path base = work.resolve("image-python");
    prepare(spec(base, lock(transformers), cu128(), python3()));
    Path env = work.resolve("env");
    int torchRequests = torchRequests();
    output.clear();
    TorchWheels imageTorch = new TorchWheels(index.url("cu128"), Optional.of("12.8"), true);
    PythonEnv.Result r =
        prepare(spec(env, lock(transformers), imageTorch, base.resolve("bin/python").toString()));
    assertFalse(r.reused());
    assertEquals(List.of("1.0+cu128", "12.8"), torch(env));
    assertEquals(torchRequests, torchRequests(), "no torch was downloaded: " + index.requests());
    assertTrue(
        output.stream().anyMatch(l -> l.contains("already has torch")), String.join("\n", output));
  }

  private int torchRequests() {
    return (int) index.requests().stream().filter(p -> p.contains("torch")).count();
  }

  private TorchWheels cpu() {
    return new TorchWheels(index.url("cpu"), Optional.empty(), false);
  }

  private TorchWheels cu128() {
    return new TorchWheels(index.url("cu128"), Optional.of("12.8"), false);
  }

  private static String python3() {
    return "python3";
  }

  private PythonEnvSpec spec(Path env, Lock lock, TorchWheels torch, String python) {
    return new PythonEnvSpec(env.toString(), python, lock, torch, Optional.of(index.url("pypi")));
  }

  private static Lock lock(Wheels.Wheel... wheels) {
    StringBuilder text = new StringBuilder("# a test lock\n");
    for (Wheels.Wheel w : wheels) {
      text.append(w.project())
          .append("==")
          .append(w.version())
          .append(" \\\n    --hash=sha256:")
          .append(w.sha256())
          .append('\n');
    }
    return new Lock("test.lock", text.toString());
  }

  private PythonEnv.Result prepare(PythonEnvSpec spec) {
    Shell shell = new LocalShell(work, environment(), new Cancellation());
    Shell counting =
        (script, lines) -> {
          shellRuns++;
          return shell.run(script, lines);
        };
    Consumer<String> sink = output::add;
    return new PythonEnv(counting).prepare(spec, sink);
  }

  /** This process's environment, without pip or Python settings that would change the result. */
  private static Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    System.getenv()
        .forEach(
            (k, v) -> {
              if (!k.startsWith("PIP_") && !k.startsWith("PYTHON") && !k.equals("VIRTUAL_ENV")) {
                env.put(k, v);
              }
            });
    env.put("PIP_CONFIG_FILE", "/dev/null");
    env.put("PIP_NO_CACHE_DIR", "1");
    return env;
  }

  private List<String> torch(Path env) throws Exception {
    String out =
        run(env, "import torch; print(torch.__version__); print(torch.version.cuda or '')");
    List<String> lines = new ArrayList<>(out.lines().toList());
    while (lines.size() < 2) {
      lines.add("");
    }
    return lines;
  }

  private boolean importable(Path env, String module) throws Exception {
    return exec(env, "import " + module).exitValue() == 0;
  }

  private String run(Path env, String code) throws Exception {
    Process p = exec(env, code);
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertEquals(0, p.waitFor(), out);
    return out;
  }

  private Process exec(Path env, String code) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(env.resolve("bin/python").toString(), "-c", code)
            .redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(environment());
    Process p = pb.start();
    p.waitFor();
    return p;
  }
}
