package dev.orchestrate.cli;

import dev.orchestrate.cli.command.OrchestrateCommand;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.time.Sleeper;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine;

/** The entry point: wires the context, runs one command, returns its exit code. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    int code = run(out, err, System.getenv(), args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Runs {@code args} as the {@code orchestrate} command would; tests call this directly. */
  public static int run(PrintWriter out, PrintWriter err, Map<String, String> env, String... args) {
    return run(out, err, env, Targets.registry(), Images.registry(), args);
  }

  /** As {@link #run(PrintWriter, PrintWriter, Map, String...)} with the given registries. */
  public static int run(
      PrintWriter out,
      PrintWriter err,
      Map<String, String> env,
      Targets targets,
      Images images,
      String... args) {
    Path project =
        Path.of(env.getOrDefault("ORCHESTRATE_PROJECT", System.getProperty("user.dir")))
            .toAbsolutePath()
            .normalize();
    String xdg = env.get("XDG_CONFIG_HOME");
    Path configHome =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config");
    Redactor redactor = new Redactor();
    for (String secret : new String[] {"VAST_API_KEY", "DOCKER_PASSWORD", "HF_TOKEN"}) {
      redactor.register(env.get(secret));
    }
    CliContext context =
        new CliContext(
            out,
            err,
            Map.copyOf(env),
            project,
            configHome,
            Clock.systemUTC(),
            Sleeper.system(),
            redactor,
            targets,
            images);
    boolean stacktrace = Arrays.asList(args).contains("--stacktrace");
    ErrorReporter errors = new ErrorReporter(err, redactor, stacktrace);
    CommandLine cli =
        new CommandLine(new OrchestrateCommand(), new Factory(context))
            .setOut(out)
            .setErr(err)
            .setExecutionExceptionHandler(errors)
            .setParameterExceptionHandler(errors)
            .setCaseInsensitiveEnumValuesAllowed(true);
    java.time.Instant start = context.clock().instant();
    int code;
    try {
      code = cli.execute(args);
    } finally {
      // A connection left open would also hold up the JVM's exit (~0.3 s per thread in a read).
      targets.closeMade();
    }
    new CommandLog(project.resolve("logs").resolve("orchestrate.log"), redactor)
        .record(start, context.clock().instant(), args, code);
    return code;
  }

  /** Gives every command the context through its constructor. */
  private record Factory(CliContext context) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      try {
        return cls.getConstructor(CliContext.class).newInstance(context);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(cls);
      }
    }
  }
}
