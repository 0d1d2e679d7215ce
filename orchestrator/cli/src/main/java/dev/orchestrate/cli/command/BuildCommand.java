package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.image.ImageBuilder;
import dev.orchestrate.core.image.ImageRef;
import dev.orchestrate.docker.DockerImageBuilder;
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
      "  orchestrate build --image test --push 127.0.0.1:5000/orchestrate/test:1",
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

  @Option(
      names = "--no-cache",
      description = "Rebuild even when an image of the same inputs is already tagged.")
  boolean noCache;

  @Option(
      names = "--push",
      paramLabel = "REF",
      description =
          "Also push to REF (host:port/repo:tag), with credentials from ORCHESTRATE_REGISTRY_USER"
              + " and ORCHESTRATE_REGISTRY_PASSWORD.")
  String push;

  public BuildCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() {
    ImageBuilder builder = c.images().builder(c);
    if (builder instanceof DockerImageBuilder docker) {
      builder = docker.with(noCache, push);
    }
    ImageRef ref = builder.build(image, c.projectDir(), common.events(c));
    if (common.json) {
      Common.printJson(c, ref);
    } else {
      c.out().println(ref.name() + " " + ref.id());
      c.out().flush();
    }
    return 0;
  }
}
