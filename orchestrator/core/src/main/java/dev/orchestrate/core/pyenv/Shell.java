package dev.orchestrate.core.pyenv;

import java.util.function.Consumer;

/**
 * Where the env step's commands run: this host ({@link LocalShell}), a machine over a transport
 * ({@link TransportShell}). An image build runs the same script in a throwaway container (the
 * docker module's venv layer).
 */
public interface Shell {
  /**
   * Runs a POSIX sh script, handing each line it prints (stdout and stderr, in order of arrival) to
   * {@code lines}; returns its exit code.
   */
  int run(String script, Consumer<String> lines);
}
