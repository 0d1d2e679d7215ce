package dev.orchestrate.docker.build;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.docker.DockerEngine;
import dev.orchestrate.docker.archive.ImageConfig;
import dev.orchestrate.docker.archive.SavedImage;
import dev.orchestrate.docker.recipe.Recipe;
import dev.orchestrate.docker.tar.LayerCanonicaliser;
import dev.orchestrate.docker.tar.LayerDigest;
import dev.orchestrate.docker.tar.LayerTar;
import dev.orchestrate.docker.tar.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Makes sure a recipe's base is in the daemon and returns its config. A busybox base is written by
 * us; a Debian base is made once by mmdebstrap and kept (layer and config) in the workspace, keyed
 * by its spec; a registry base must be pinned by digest in reproducible mode and is pulled only
 * when missing.
 */
public final class BaseResolver {
  static final List<String> PATH_ENV =
      List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

  private final DockerEngine engine;
  private final BuildWorkspace workspace;
  private final ImageLoader loader;
  private final BuildLog log;

  public BaseResolver(
      DockerEngine engine, BuildWorkspace workspace, ImageLoader loader, BuildLog log) {
    this.engine = engine;
    this.workspace = workspace;
    this.loader = loader;
    this.log = log;
  }

  /** Refuses what cannot be reproducible: a registry base without a digest. */
  public static void checkPinned(Recipe recipe) {
    if (recipe.base() instanceof Recipe.Registry r && !r.pinned()) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "image '"
              + recipe.name()
              + "': base "
              + r.reference()
              + " is not pinned by digest,"
              + " so the build cannot be reproduced",
          "pin it as name@sha256:<digest> (docker buildx imagetools inspect <ref> shows the"
              + " per-platform digest), or pass --no-reproducible to accept a moving base");
    }
  }

  public ResolvedBase resolve(Recipe recipe) throws IOException, InterruptedException {
    if (recipe.base() instanceof Recipe.Busybox b) {
      return busybox(recipe, b);
    } else if (recipe.base() instanceof Recipe.Debian d) {
      return debian(recipe, d);
    }
    return registry((Recipe.Registry) recipe.base());
  }

  private ResolvedBase busybox(Recipe recipe, Recipe.Busybox spec) throws IOException {
    LayerTar tar = new LayerTar(recipe.epoch());
    var entries = BusyboxRootfs.entries(Path.of(spec.binary()));
    LayerDigest layer = workspace.layers().put(out -> tar.write(entries, out));
    String what = "busybox-static sha256:" + Sha256.hex(Path.of(spec.binary()));
    ImageConfig config =
        ImageConfig.empty(recipe.epoch())
            .withLayer(layer.diffId(), "orchestrate base: " + what)
            .withRuntime(PATH_ENV, List.of(), List.of("/bin/sh"), "", "", List.of());
    return ensureLoaded(config, what);
  }

  private ResolvedBase debian(Recipe recipe, Recipe.Debian spec)
      throws IOException, InterruptedException {
    String what =
        "mmdebstrap/"
            + DebianRootfs.VERSION
            + " "
            + spec.suite()
            + " variant="
            + spec.variant()
            + " include="
            + String.join(",", spec.include())
            + " mirror="
            + spec.mirror()
            + " epoch="
            + recipe.sourceDateEpoch();
    Optional<Path> keyring = spec.keyringDir().map(k -> recipe.dir().resolve(k).normalize());
    if (keyring.isPresent() && !Files.isDirectory(keyring.get())) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "image '" + recipe.name() + "' names the keyring folder " + keyring.get() + ": not there",
          "base.debian.keyring is a folder of archive keys (*.asc), relative to images/"
              + recipe.name()
              + "/");
    }
    // areas, pockets and keys only when a recipe sets them: Debian bases keep their cache keys
    if (!spec.components().equals(List.of("main")) || !spec.pockets().isEmpty()) {
      what +=
          " components="
              + String.join(",", spec.components())
              + " pockets="
              + String.join(",", spec.pockets());
    }
    if (keyring.isPresent()) {
      what += " keyring=" + InputsDigest.tree(keyring.get());
    }
    String key = Sha256.hex(what.getBytes(StandardCharsets.UTF_8));
    Path index = workspace.bases().resolve(key + ".json");
    if (Files.isRegularFile(index)) {
      ImageConfig cached = ImageConfig.fromDaemonJson(Files.readAllBytes(index), recipe.epoch());
      if (cached.diffIds().stream().allMatch(d -> workspace.layers().find(d).isPresent())
          || loader.present(cached, tagFor(cached))) {
        return ensureLoaded(cached, what);
      }
    }
    Path scratch = workspace.scratch("debian-");
    try {
      Path raw = scratch.resolve("rootfs.tar");
      DebianRootfs.make(
          spec, keyring, recipe.sourceDateEpoch(), raw, line -> log.line("mmdebstrap", line));
      LayerCanonicaliser canon = new LayerCanonicaliser(new LayerTar(recipe.epoch()), scratch);
      LayerDigest layer;
      try (InputStream in = Files.newInputStream(raw)) {
        layer = workspace.layers().put(out -> canon.canonicalise(in, out).digest());
      }
      ImageConfig config =
          ImageConfig.empty(recipe.epoch())
              .withLayer(layer.diffId(), "orchestrate base: " + what)
              .withRuntime(PATH_ENV, List.of(), List.of("/bin/bash"), "", "", List.of());
      Files.createDirectories(index.getParent());
      Files.write(index, config.toJson());
      return ensureLoaded(config, what);
    } finally {
      BuildWorkspace.delete(scratch);
    }
  }

  private ResolvedBase registry(Recipe.Registry spec) throws IOException {
    if (engine.inspectImage(spec.reference()).isEmpty()) {
      int at = spec.reference().lastIndexOf('@');
      String repo = at > 0 ? spec.reference().substring(0, at) : spec.reference();
      String tag = at > 0 ? spec.reference().substring(at + 1) : "latest";
      try {
        engine.pull(repo, tag, null, line -> log.line("pull", line));
      } catch (OrchestrateException e) {
        throw new OrchestrateException(
            ErrorCode.IMAGE,
            "base image "
                + spec.reference()
                + " is not on this Docker host and could not be"
                + " pulled: "
                + e.getMessage(),
            "build where the registry is reachable, or docker load the base here first",
            e);
      }
    }
    Path scratch = workspace.scratch("base-");
    try (InputStream save = engine.save(spec.reference())) {
      SavedImage saved = SavedImage.unpack(save, scratch);
      ImageConfig config = ImageConfig.fromDaemonJson(saved.config(), java.time.Instant.EPOCH);
      return new ResolvedBase(spec.reference(), config, spec.reference());
    } finally {
      BuildWorkspace.delete(scratch);
    }
  }

  private ResolvedBase ensureLoaded(ImageConfig config, String what) throws IOException {
    String tag = tagFor(config);
    if (!loader.present(config, tag)) {
      loader.load(config, tag, Set.of());
    }
    return new ResolvedBase(tag, config, what);
  }

  /** Our bases are tagged by their own ID, so a tag never points at another build of them. */
  static String tagFor(ImageConfig config) {
    return "orchestrate-base:" + config.id().substring("sha256:".length(), "sha256:".length() + 16);
  }
}
