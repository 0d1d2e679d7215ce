package dev.orchestrate.core.pyenv;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code bootstrap.python}: an interpreter that already has torch and transformers (a machine image
 * with its own ML stack, a conda env), used as it is. Nothing is created or installed; one command
 * checks that both import and prints the versions that will run, so the bootstrap log and the
 * step's detail say what the hf backend gets.
 */
public final class ExistingPython {
  private static final String PROBE =
      "import platform, sys\n"
          + "print('python', platform.python_version(), sys.executable)\n"
          + "import torch\n"
          + "print('torch', torch.__version__, 'cuda', torch.version.cuda or 'none')\n"
          + "import transformers\n"
          + "print('transformers', transformers.__version__)\n";

  private final Shell shell;

  public ExistingPython(Shell shell) {
    this.shell = shell;
  }

  /** Checks {@code python}; every line it prints goes to {@code log}. */
  public PythonEnv.Result check(String python, Consumer<String> log) {
    if (!python.startsWith("/") || python.contains("'") || python.contains("\n")) {
      throw new IllegalArgumentException("not an absolute interpreter path: '" + python + "'");
    }
    log.accept("== bootstrap.python " + python + ": used as it is, nothing installed");
    List<String> lines = new ArrayList<>();
    int code =
        shell.run(
            "'" + python + "' -u -c '" + PROBE.replace("'", "\"") + "' 2>&1",
            line -> {
              log.accept(line);
              lines.add(line);
            });
    if (code != 0) {
      String last = lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1).strip();
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "bootstrap.python "
              + python
              + " cannot run the hf backend (exit code "
              + code
              + last
              + ")",
          "it needs torch and transformers importable as it is; install them into that"
              + " interpreter, or remove bootstrap.python to let the env step make a venv");
    }
    String versions =
        lines.stream()
            .filter(l -> l.startsWith("torch ") || l.startsWith("transformers "))
            .map(String::strip)
            .reduce((a, b) -> a + ", " + b)
            .orElse("");
    return new PythonEnv.Result(
        true,
        python,
        python + " directly (bootstrap.python: used as it is, no venv)",
        python + " used as it is (" + versions + ")");
  }
}
