package dev.orchestrate.docker.build;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.docker.DockerEngine;
import dev.orchestrate.docker.archive.ImageConfig;
import dev.orchestrate.docker.archive.SavedImage;
import dev.orchestrate.docker.recipe.Recipe;
import dev.orchestrate.docker.tar.LayerCanonicaliser;
import dev.orchestrate.docker.tar.LayerDigest;
import dev.orchestrate.docker.tar.LayerTar;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Dockerfile part of a recipe, on the classic builder (the only one docker-java can drive): a
 * build context we write (sorted, fixed times, owner root, modes from the executable bit), a build
 * with no cache, no pull and no network from the resolved base ({@code ARG BASE} / {@code FROM
 * $BASE}), then the new layers canonicalised and a config that keeps only the runnable parts. The
 * temporary build image is always removed.
 */
public final class ClassicBuild {
  private final DockerEngine engine;
  private final BuildWorkspace workspace;
  private final BuildLog log;
  private final EventSink events;
  private final Clock clock;

  public ClassicBuild(
      DockerEngine engine, BuildWorkspace workspace, BuildLog log, EventSink events, Clock clock) {
    this.engine = engine;
    this.workspace = workspace;
    this.log = log;
    this.events = events;
    this.clock = clock;
  }

  /** Writes the build context of {@code recipe} (its whole folder) to {@code out}. */
  public static LayerDigest writeContext(Recipe recipe, OutputStream out) throws IOException {
    return new LayerTar(recipe.epoch()).write(FileTree.entries(recipe.dir(), ""), out);
  }

  public ImageConfig build(Recipe recipe, ResolvedBase base, String tmpTag) throws IOException {
    Path scratch = workspace.scratch("build-");
    try {
      Path context = scratch.resolve("context.tar");
      try (OutputStream out = Files.newOutputStream(context)) {
        writeContext(recipe, out);
      }
      Map<String, String> args =
          Map.of(
              "BASE", base.reference(),
              "SOURCE_DATE_EPOCH", Long.toString(recipe.sourceDateEpoch()));
      try (InputStream in = Files.newInputStream(context)) {
        engine.build(
            recipe.name(),
            in,
            recipe.dockerfile().orElse("Dockerfile"),
            tmpTag,
            args,
            line -> log.line("build", line));
      }
      Path saved = scratch.resolve("saved");
      SavedImage image;
      try (InputStream save = engine.save(tmpTag)) {
        image = SavedImage.unpack(save, saved);
      }
      return canonicalise(recipe, base, image, scratch);
    } finally {
      engine.removeImage(tmpTag);
      BuildWorkspace.delete(scratch);
    }
  }

  private ImageConfig canonicalise(Recipe recipe, ResolvedBase base, SavedImage image, Path scratch)
      throws IOException {
    ImageConfig built = ImageConfig.fromDaemonJson(image.config(), recipe.epoch());
    List<String> baseIds = base.config().diffIds();
    if (built.diffIds().size() < baseIds.size()
        || !built.diffIds().subList(0, baseIds.size()).equals(baseIds)) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "the build of '" + recipe.name() + "' does not start from its base " + base.reference(),
          "the Dockerfile must start with: ARG BASE / FROM $BASE");
    }
    LayerCanonicaliser canon = new LayerCanonicaliser(new LayerTar(recipe.epoch()), scratch);
    List<String> ids = new ArrayList<>(baseIds);
    for (Path layer : image.layers().subList(baseIds.size(), image.layers().size())) {
      LayerCanonicaliser.Result[] result = new LayerCanonicaliser.Result[1];
      try (InputStream in = Files.newInputStream(layer)) {
        workspace
            .layers()
            .put(
                out -> {
                  result[0] = canon.canonicalise(in, out);
                  return result[0].digest();
                });
      }
      if (result[0].opaqueMarkers() > 0) {
        events.accept(
            new Warning(
                clock.instant(),
                "a build step of '" + recipe.name() + "' deleted and recreated a directory",
                "overlay2 marks that with an opaque whiteout that vfs does not write, so the image"
                    + " ID may differ between storage drivers; avoid rm -rf dir && mkdir dir"));
      }
      ids.add(result[0].digest().diffId());
    }
    List<ImageConfig.History> history = new ArrayList<>(base.config().history());
    history.addAll(built.history().subList(base.config().history().size(), built.history().size()));
    return base.config()
        .withCreated(recipe.epoch())
        .withLayers(ids, history)
        .withRuntime(
            built.env(),
            built.entrypoint(),
            built.cmd(),
            built.workingDir(),
            built.user(),
            built.exposedPorts())
        .withLabels(built.labels());
  }
}
