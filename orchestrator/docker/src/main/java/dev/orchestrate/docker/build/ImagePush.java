package dev.orchestrate.docker.build;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.docker.DockerEngine;
import dev.orchestrate.docker.RegistryAuth;
import java.util.function.Consumer;

/**
 * Pushes a built image to a registry as {@code REF} ({@code host[:port]/repo:tag}) with explicit
 * credentials, and pulls it back. The manifest digest is only comparable between pushes from the
 * same engine build (compression is the engine's); the image ID is what our builds promise.
 */
public final class ImagePush {
  private final DockerEngine engine;

  public ImagePush(DockerEngine engine) {
    this.engine = engine;
  }

  /** A reference split into repository and tag; the tag defaults to {@code latest}. */
  public record Ref(String repository, String tag) {
    public static Ref parse(String ref) {
      int slash = ref.lastIndexOf('/');
      int colon = ref.lastIndexOf(':');
      if (ref.contains("@") || ref.isBlank()) {
        throw new OrchestrateException(
            ErrorCode.USAGE,
            "cannot push to '" + ref + "'",
            "give a reference like host:5000/repo:tag");
      }
      return colon > slash
          ? new Ref(ref.substring(0, colon), ref.substring(colon + 1))
          : new Ref(ref, "latest");
    }

    /** The registry host of the reference ({@code docker.io} when it names none). */
    public String registry() {
      int slash = repository.indexOf('/');
      String first = slash < 0 ? "" : repository.substring(0, slash);
      return first.contains(".") || first.contains(":") || first.equals("localhost")
          ? first
          : "docker.io";
    }
  }

  /** Tags {@code imageId} as {@code ref}, pushes it, returns the manifest digest. */
  public String push(String imageId, String ref, RegistryAuth auth, Consumer<String> progress) {
    Ref r = Ref.parse(ref);
    engine.tag(imageId, r.repository(), r.tag());
    return engine.push(r.repository(), r.tag(), auth, progress);
  }

  /** Pulls {@code ref} and returns its image ID. */
  public String pull(String ref, RegistryAuth auth, Consumer<String> progress) {
    Ref r = Ref.parse(ref);
    engine.pull(r.repository(), r.tag(), auth, progress);
    return engine
        .inspectImage(r.repository() + ":" + r.tag())
        .orElseThrow(
            () ->
                new OrchestrateException(
                    ErrorCode.IMAGE, "pulled " + ref + " but cannot find it", null))
        .id();
  }
}
