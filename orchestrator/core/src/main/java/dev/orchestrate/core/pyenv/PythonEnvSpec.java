package dev.orchestrate.core.pyenv;

import java.util.Objects;
import java.util.Optional;

/**
 * One python env to have on a machine: where it lives there ({@code bootstrap.pythonEnv}: absolute,
 * relative to the shell's working folder, or {@code ~/...}), the interpreter that creates it, the
 * lock it installs, the torch it gets, and the package index for the lock (PyPI when empty).
 */
public record PythonEnvSpec(
    String envDir, String python, Lock lock, TorchWheels torch, Optional<String> packageIndex) {
  public PythonEnvSpec {
    Objects.requireNonNull(envDir, "envDir");
    Objects.requireNonNull(python, "python");
    Objects.requireNonNull(lock, "lock");
    Objects.requireNonNull(torch, "torch");
    packageIndex = packageIndex == null ? Optional.empty() : packageIndex;
    String dir = envDir.replaceAll("/+$", "");
    if (dir.isBlank() || dir.equals("~") || envDir.contains("\n") || envDir.contains("'")) {
      throw new IllegalArgumentException("unsafe python env folder: '" + envDir + "'");
    }
    if (python.isBlank() || python.contains("'")) {
      throw new IllegalArgumentException("not an interpreter: '" + python + "'");
    }
  }

  /** The line that activates the env by hand. */
  public String activateLine() {
    return "source " + envDir.replaceAll("/+$", "") + "/bin/activate";
  }

  /** The env's own interpreter, as the machine names it. */
  public String envPython() {
    return envDir.replaceAll("/+$", "") + "/bin/python";
  }

  /** The marker's content, less the Python version (the script adds what the target runs). */
  String markerPrefix() {
    return "orchestrate-pyenv-v1 lock=" + lock.sha256() + " torch=" + torch.markerPart();
  }
}
