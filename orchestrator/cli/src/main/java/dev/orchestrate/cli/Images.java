package dev.orchestrate.cli;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.image.ImageBuilder;
import dev.orchestrate.docker.DockerImageBuilder;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which code builds images ({@code orchestrate build}). The docker module plugs its builder in with
 * one line in {@link #registry()}.
 */
public final class Images {
  private final Function<CliContext, ImageBuilder> factory;

  public Images(Function<CliContext, ImageBuilder> factory) {
    this.factory = factory;
  }

  public static Images registry() {
    return new Images(c -> new DockerImageBuilder(c.environment(), c.redactor(), c.clock()));
  }

  public ImageBuilder builder(CliContext context) {
    return Optional.ofNullable(factory)
        .map(f -> f.apply(context))
        .orElseThrow(
            () ->
                new OrchestrateException(
                    ErrorCode.UNSUPPORTED,
                    "image builds are not available in this build yet (orchestrator/docker"
                        + " registers no ImageBuilder in dev.orchestrate.cli.Images)",
                    "use a local profile (cpu, workstation) meanwhile"));
  }
}
