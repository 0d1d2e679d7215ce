package dev.orchestrate.core.pyenv;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * Makes a {@link PythonEnvSpec} true on a machine through a {@link Shell}: one check when the env's
 * marker already matches, else the install script, whose failure becomes an error that says which
 * part failed and what to do.
 */
public final class PythonEnv {
  private static final int TAIL = 40;

  /** How the env step ended: whether the env was reused as it was, and how to use it. */
  public record Result(boolean reused, String envPython, String activateLine, String detail) {}

  private final Shell shell;

  public PythonEnv(Shell shell) {
    this.shell = shell;
  }

  /** Checks, and installs when the check fails; every line of output goes to {@code log}. */
  public Result prepare(PythonEnvSpec spec, Consumer<String> log) {
    PythonEnvScript script = new PythonEnvScript(spec);
    String torch =
        spec.torch().useInstalled()
            ? "the image's torch or " + spec.torch().tag()
            : spec.torch().tag();
    if (shell.run(script.check(), line -> {}) == 0) {
      String detail =
          spec.envDir()
              + " is up to date (lock "
              + spec.lock().sha256().substring(0, 12)
              + ", torch "
              + torch
              + ")";
      log.accept("== " + detail + ": nothing to install");
      return new Result(true, spec.envPython(), spec.activateLine(), detail);
    }
    Deque<String> tail = new ArrayDeque<>();
    int code =
        shell.run(
            script.install(),
            line -> {
              log.accept(line);
              tail.addLast(line);
              if (tail.size() > TAIL) {
                tail.removeFirst();
              }
            });
    if (code != 0) {
      throw failure(spec, code, String.join("\n", tail));
    }
    return new Result(
        false,
        spec.envPython(),
        spec.activateLine(),
        spec.envDir() + " installed from " + spec.lock().name() + " with torch " + torch);
  }

  private static OrchestrateException failure(PythonEnvSpec spec, int code, String tail) {
    PythonEnvScript.Failure f = PythonEnvScript.Failure.of(code);
    String said = lastError(tail);
    if (f == null) {
      return new OrchestrateException(
          ErrorCode.FAILURE,
          "the env step stopped with exit code " + code + said,
          "its output is in bootstrap.log");
    }
    return switch (f) {
      case NO_PYTHON ->
          new OrchestrateException(
              ErrorCode.FAILURE,
              "no python to create the env with" + said,
              "install python3 (Debian/Ubuntu: apt-get install python3 python3-venv)");
      case VENV ->
          new OrchestrateException(
              ErrorCode.FAILURE,
              "could not create the venv " + spec.envDir() + said,
              "Debian/Ubuntu: apt-get install python3-venv; or point bootstrap.pythonEnv elsewhere");
      case LOCK -> lockFailure(spec, tail, said);
      case TORCH_INSTALL ->
          new OrchestrateException(
              ErrorCode.FAILURE,
              "could not install torch ("
                  + spec.torch().tag()
                  + ") from "
                  + spec.torch().indexUrl()
                  + said,
              "check that the machine reaches the index, or set bootstrap.torchIndex to another build");
      case TORCH_IMPORT ->
          new OrchestrateException(
              ErrorCode.FAILURE,
              "torch does not import in " + spec.envDir() + said,
              "the traceback is in bootstrap.log");
      case TORCH_REPLACE, TORCH_BUILD ->
          new OrchestrateException(
              ErrorCode.FAILURE,
              "the env has a torch built for another CUDA than "
                  + spec.torch().tag()
                  + " and it could not be replaced"
                  + said,
              "the index "
                  + spec.torch().indexUrl()
                  + " must have a "
                  + spec.torch().tag()
                  + " build of torch; or set bootstrap.torchIndex to the build the host can run");
    };
  }

  private static OrchestrateException lockFailure(PythonEnvSpec spec, String tail, String said) {
    if (tail.contains("DO NOT MATCH THE HASHES") || tail.contains("hash mismatch")) {
      return new OrchestrateException(
          ErrorCode.FAILURE,
          "hash mismatch: a package pip downloaded is not the file "
              + spec.lock().name()
              + " pins (its sha256 differs); nothing from it was installed",
          "the index served another file than the lock was made from (a mirror or proxy?);"
              + " the expected and actual sha256 are in bootstrap.log");
    }
    if (tail.contains("No matching distribution") || tail.contains("Could not find a version")) {
      return new OrchestrateException(
          ErrorCode.FAILURE,
          "pip found no wheel for this interpreter and platform among those "
              + spec.lock().name()
              + " pins"
              + said,
          "the lock's header says which Python and platform it covers; use such an interpreter"
              + " or regenerate the lock (its header says how)");
    }
    return new OrchestrateException(
        ErrorCode.FAILURE,
        "pip could not install " + spec.lock().name() + said,
        "pip's output is in bootstrap.log");
  }

  /** The script's own {@code error:} line, or pip's last ERROR line, as ": ..." for a message. */
  private static String lastError(String tail) {
    String found = "";
    for (String line : tail.split("\n")) {
      if (line.startsWith("ERROR: ")) {
        found = line.substring("ERROR: ".length());
      }
    }
    return found.isEmpty() ? "" : ": " + found.strip();
  }
}
