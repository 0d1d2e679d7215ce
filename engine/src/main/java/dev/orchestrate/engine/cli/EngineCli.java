package dev.orchestrate.engine.cli;

import dev.orchestrate.engine.EngineException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code engine}: generate, score, snapshot create. The CLI only parses, wires and prints. */
@Command(
    name = "engine",
    mixinStandardHelpOptions = true,
    description = "OLMo-2 inference engine.",
    subcommands = {
      GenerateCommand.class,
      ScoreCommand.class,
      SnapshotCommand.class,
      BenchCommand.class,
      AssetsCommand.class
    })
public final class EngineCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  public static void main(String[] args) {
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream err =
        new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    System.exit(run(args, out, err));
  }

  /** Runs the CLI; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Console console = new Console(out, err);
    CommandLine cli =
        new CommandLine(new EngineCli(), new Factory(console))
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .setExecutionExceptionHandler(
                (e, cmd, parsed) -> {
                  if (e instanceof EngineException ee) {
                    err.println("error: " + ee.getMessage());
                    if (!ee.hint().isEmpty()) {
                      err.println("hint: " + ee.hint());
                    }
                    if (System.getenv("ENGINE_STACKTRACE") != null) {
                      ee.printStackTrace(err);
                    }
                    return ee.exitCode();
                  }
                  throw e;
                });
    return cli.execute(args);
  }

  /** Gives every command the console it prints to. */
  private record Factory(Console console) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      try {
        return cls.getDeclaredConstructor(Console.class).newInstance(console);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(cls);
      }
    }
  }
}
