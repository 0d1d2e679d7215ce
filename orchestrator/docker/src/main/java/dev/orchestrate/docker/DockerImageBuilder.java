package dev.orchestrate.docker;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.image.ImageBuilder;
import dev.orchestrate.core.image.ImageRef;
import dev.orchestrate.docker.build.BuildOptions;
import dev.orchestrate.docker.build.BuildResult;
import dev.orchestrate.docker.build.BuildWorkspace;
import dev.orchestrate.docker.build.GitRevision;
import dev.orchestrate.docker.build.RecipeImageBuilder;
import dev.orchestrate.docker.recipe.RecipeLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * The core's {@link ImageBuilder} on Docker: builds {@code images/<flavour>} of the project with
 * the daemon at DOCKER_HOST, keeps canonical layers under {@code .orchestrate/images/} and writes
 * the result to {@code logs/images/<flavour>/}.
 */
public final class DockerImageBuilder implements ImageBuilder {
  private final Map<String, String> environment;
  private final Redactor redactor;
  private final Clock clock;
  private final boolean noCache;

  public DockerImageBuilder(
      Map<String, String> environment, Redactor redactor, Clock clock, boolean noCache) {
    this.environment = Map.copyOf(environment);
    this.redactor = redactor;
    this.clock = clock;
    this.noCache = noCache;
  }

  @Override
  public ImageRef build(String flavour, Path projectDir, EventSink events) {
    BuildResult r = buildWithDetails(flavour, projectDir, events);
    return new ImageRef(RecipeImageBuilder.tag(flavour), r.id(), r.labels());
  }

  /** The build with everything it produced (layers, sizes, timings). */
  public BuildResult buildWithDetails(String flavour, Path projectDir, EventSink events) {
    try (DockerEngine engine = DockerEngine.connect("", environment, redactor)) {
      RecipeImageBuilder builder =
          new RecipeImageBuilder(
              engine,
              new RecipeLoader(projectDir.resolve("images")),
              projectDir,
              new BuildWorkspace(projectDir.resolve(".orchestrate").resolve("images")),
              projectDir.resolve("logs"),
              events,
              clock);
      BuildOptions options = BuildOptions.defaults(GitRevision.of(projectDir)).withNoCache(noCache);
      return builder.build(flavour, options);
    }
  }
}
