package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.image.ImageRef;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code build --image cuda|cpu}. */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description = "Build one of the project's images reproducibly (same inputs, same image id).",
    footer = {
      "%nExamples:",
      "  orchestrate build --image cpu",
      "  orchestrate build --image cuda --json",
      Common.EXIT_CODES
    })
public final class BuildCommand implements Callable<Integer> {
  private final CliContext c;
  @Mixin Common common;

  @Option(
      names = "--image",
      required = true,
      paramLabel = "cuda|cpu",
      description = "Which image recipe to build (images/<name>).")
  String image;

  public BuildCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() {
    ImageRef ref = c.images().builder(c).build(image, c.projectDir(), common.events(c));
    if (common.json) {
      Common.printJson(c, ref);
    } else {
      c.out().println(ref.name() + " " + ref.id());
      c.out().flush();
    }
    return 0;
  }
}
