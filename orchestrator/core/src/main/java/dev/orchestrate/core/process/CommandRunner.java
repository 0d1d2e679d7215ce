package dev.orchestrate.core.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs short commands (probes like {@code nvidia-smi}, {@code sudo -n true}) with a time limit,
 * looking programs up on the given environment's PATH. Long-running processes with streamed output
 * belong to {@code LocalProcess}.
 */
public final class CommandRunner {
  private final Map<String, String> environment;
  private final Executables executables;

  public CommandRunner(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
    this.executables = new Executables(environment);
  }

  public Executables executables() {
    return executables;
  }

  /** Empty when {@code command[0]} is not on the PATH. */
  public Optional<CommandResult> run(List<String> command, Duration timeout) {
    Optional<Path> program = executables.find(command.get(0), List.of("/usr/sbin", "/sbin"));
    if (program.isEmpty()) {
      return Optional.empty();
    }
    List<String> argv = new ArrayList<>(command);
    argv.set(0, program.get().toString());
    ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.PIPE);
    pb.environment().clear();
    pb.environment().putAll(environment);
    try {
      Process p = pb.start();
      p.getOutputStream().close();
      CompletableFuture<String> out = drain(p.getInputStream());
      CompletableFuture<String> err = drain(p.getErrorStream());
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(2, TimeUnit.SECONDS);
        return Optional.of(new CommandResult(-1, out.getNow(""), err.getNow(""), true));
      }
      return Optional.of(new CommandResult(p.exitValue(), out.join(), err.join(), false));
    } catch (IOException e) {
      return Optional.of(new CommandResult(127, "", e.getMessage(), false));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of(new CommandResult(-1, "", "interrupted", true));
    }
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (in) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            in.transferTo(buf);
            return buf.toString(StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
