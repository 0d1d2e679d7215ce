package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ssh NAME}: a shell on the machine, host key pinned. */
@Command(
    name = "ssh",
    mixinStandardHelpOptions = true,
    description = "Open a shell on the machine of run NAME (its host key pinned on first contact).",
    footer = {"%nExamples:", "  orchestrate ssh 20261126-070112-vast-3f2a", Common.EXIT_CODES})
public final class SshCommand implements Callable<Integer> {
  private final CliContext c;

  @Parameters(paramLabel = "NAME", description = "Run id or machine id.")
  String name;

  public SshCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() throws Exception {
    Held held = Held.resolve(c, name);
    List<String> command = held.target().shellCommand(held.machine());
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }
}
