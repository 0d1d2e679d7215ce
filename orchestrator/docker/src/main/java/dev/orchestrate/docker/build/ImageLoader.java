package dev.orchestrate.docker.build;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.docker.DockerEngine;
import dev.orchestrate.docker.ImageInfo;
import dev.orchestrate.docker.archive.DockerArchive;
import dev.orchestrate.docker.archive.ImageConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Set;

/**
 * Loads an image we assembled: writes the docker-archive (leaving out layers the daemon holds),
 * loads it, and checks that the daemon's ID is the sha256 of our config and its diffIDs are ours.
 * On a mismatch the tag is removed again, so nothing half-made stays tagged.
 */
public final class ImageLoader {
  private final DockerEngine engine;
  private final DockerArchive archive;
  private final BuildWorkspace workspace;

  public ImageLoader(DockerEngine engine, DockerArchive archive, BuildWorkspace workspace) {
    this.engine = engine;
    this.archive = archive;
    this.workspace = workspace;
  }

  /** Loads {@code config} as {@code tag}; returns the size of the archive that was loaded. */
  public long load(ImageConfig config, String tag, Set<String> omit) throws IOException {
    Path dir = workspace.scratch("load-");
    try {
      Path file = dir.resolve("image.tar");
      long size = archive.write(config, tag, omit, file);
      engine.load(file);
      ImageInfo loaded =
          engine
              .inspectImage(tag)
              .orElseThrow(
                  () ->
                      new OrchestrateException(
                          ErrorCode.IMAGE,
                          "docker load reported success but " + tag + " is missing",
                          null));
      if (!loaded.id().equals(config.id()) || !loaded.diffIds().equals(config.diffIds())) {
        engine.removeImage(tag);
        throw new OrchestrateException(
            ErrorCode.IMAGE,
            "the daemon gave "
                + tag
                + " the ID "
                + loaded.id()
                + ", not "
                + config.id()
                + " (sha256 of the config we wrote)",
            "a daemon with the containerd image store reports manifest digests as IDs; use the"
                + " classic store (overlay2 or vfs storage driver)");
      }
      return size;
    } finally {
      BuildWorkspace.delete(dir);
    }
  }

  /** The size the archive would have, without writing it anywhere. */
  public long archiveSize(ImageConfig config, String tag, Set<String> omit) throws IOException {
    return archive.write(config, tag, omit, OutputStream.nullOutputStream());
  }

  /** True when the daemon already holds {@code tag} as exactly {@code config}. */
  public boolean present(ImageConfig config, String tag) {
    return engine.inspectImage(tag).map(i -> i.id().equals(config.id())).orElse(false);
  }
}
