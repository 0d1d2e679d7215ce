package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ssh NAME [-- CMD...]}: a shell on the machine, or one command there, host key pinned. */
@Command(
    name = "ssh",
    mixinStandardHelpOptions = true,
    description = {
      "Open a shell on the machine of run NAME (its host key pinned on first contact), or run CMD"
          + " there and exit with its exit code, as `ssh host CMD` does: the words of CMD reach"
          + " the remote shell joined by spaces, so quote what it should see as one word.",
    },
    footer = {
      "%nExamples:",
      "  orchestrate ssh 20261126-070112-vast-3f2a",
      "  orchestrate ssh 20261126-070112-vast-3f2a -- nvidia-smi",
      "  orchestrate ssh 20261126-070112-vast-3f2a -- 'du -sh orchestrate/llm_raw'",
      Common.EXIT_CODES,
      "%nWith CMD the exit code is CMD's (255: ssh itself failed)."
    })
public final class SshCommand implements Callable<Integer> {
  private final CliContext c;

  @Parameters(index = "0", paramLabel = "NAME", description = "Run id or machine id.")
  String name;

  @Parameters(
      index = "1..*",
      paramLabel = "CMD",
      description = "A command to run instead of a shell (after --).")
  List<String> command = List.of();

  public SshCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() throws Exception {
    Held held = Held.resolve(c, name);
    List<String> ssh = new ArrayList<>(held.target().shellCommand(held.machine()));
    if (!command.isEmpty()) {
      // Before the destination: ssh reads no options after it, so CMD's own dashes stay CMD's.
      ssh.add(ssh.size() - 1, "--");
      ssh.addAll(command);
    }
    return new ProcessBuilder(ssh).inheritIO().start().waitFor();
  }
}
