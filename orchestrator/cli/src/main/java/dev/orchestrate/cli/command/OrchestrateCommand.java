package dev.orchestrate.cli.command;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/** The top command: prints help when run alone. */
@Command(
    name = "orchestrate",
    mixinStandardHelpOptions = true,
    version = "orchestrate 0.1.0",
    description = "Take an LLM inference job from this machine to a rented GPU and back.",
    subcommands = {
      ProfilesCommand.class,
      DoctorCommand.class,
      PlanCommand.class,
      EnvCommand.class,
      UpCommand.class,
      RunCommand.class,
      LogsCommand.class,
      StatusCommand.class,
      DownCommand.class,
      SyncCommand.class,
      BuildCommand.class,
      SshCommand.class,
      GcCommand.class,
      AssetsCommand.class
    },
    footer = {
      "%nExamples:",
      "  orchestrate doctor",
      "  orchestrate plan --profile vast",
      "  orchestrate up --profile cpu --prompt \"Hello\"",
      "  orchestrate status",
      "  orchestrate assets pull allenai/OLMo-2-0425-1B",
      Common.EXIT_CODES
    })
public final class OrchestrateCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = "--stacktrace",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Print the stack trace of an error.")
  boolean stacktrace;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }
}
