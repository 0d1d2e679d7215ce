package dev.orchestrate.core.pyenv;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.run.Cancellation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs scripts with {@code /bin/sh} on this host, in a work folder, with exactly the given
 * environment; a cancelled run stops the script and what it started.
 */
public final class LocalShell implements Shell {
  private final Path workDir;
  private final Map<String, String> environment;
  private final Cancellation cancellation;

  public LocalShell(Path workDir, Map<String, String> environment, Cancellation cancellation) {
    this.workDir = workDir;
    this.environment = Map.copyOf(environment);
    this.cancellation = cancellation;
  }

  @Override
  public int run(String script, Consumer<String> lines) {
    ProcessBuilder pb =
        new ProcessBuilder(List.of("/bin/sh", "-c", script))
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.PIPE);
    pb.environment().clear();
    pb.environment().putAll(environment);
    Process p;
    try {
      p = pb.start();
      p.getOutputStream().close();
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "cannot start /bin/sh: " + e.getMessage(), null, e);
    }
    cancellation.onCancel(
        () -> {
          p.descendants().forEach(ProcessHandle::destroy);
          p.destroy();
        });
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.accept(line);
      }
      return p.waitFor();
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "lost the output of the env step: " + e.getMessage(), null, e);
    } catch (InterruptedException e) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "interrupted", null, e);
    }
  }
}
