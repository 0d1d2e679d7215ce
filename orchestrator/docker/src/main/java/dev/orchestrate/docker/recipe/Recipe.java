package dev.orchestrate.docker.recipe;

import dev.orchestrate.core.profile.TorchIndex;
import dev.orchestrate.core.profile.YamlEnum;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An image recipe, {@code images/<name>/image.yaml}: a pinned base, optional classic-build steps (a
 * Dockerfile in the same folder, built then canonicalised), layers we write ourselves (files copied
 * in, a venv from a lock file), and the runtime config. {@code sourceDateEpoch} is the one time
 * input: every timestamp in the image is this instant.
 */
public record Recipe(
    String name,
    Path dir,
    String description,
    long sourceDateEpoch,
    Base base,
    Optional<String> dockerfile,
    List<Layer> layers,
    Runtime runtime) {

  public Recipe {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dir, "dir");
    description = description == null ? "" : description;
    Objects.requireNonNull(base, "base");
    dockerfile = dockerfile == null ? Optional.empty() : dockerfile;
    layers = layers == null ? List.of() : List.copyOf(layers);
    runtime = runtime == null ? Runtime.NONE : runtime;
  }

  public Instant epoch() {
    return Instant.ofEpochSecond(sourceDateEpoch);
  }

  /** Where the image starts from. */
  public sealed interface Base permits Busybox, Debian, Registry {}

  /** A busybox-static rootfs written as one layer by us (no registry, no network). */
  public record Busybox(String binary) implements Base {
    public Busybox {
      binary = binary == null || binary.isBlank() ? "/bin/busybox" : binary;
    }
  }

  /**
   * A Debian-family rootfs made by mmdebstrap with SOURCE_DATE_EPOCH, then canonicalised into one
   * layer. {@code mirror} may be a snapshot URL to pin the package set to a date. {@code
   * components} are the archive areas (default {@code main}); {@code pockets} further suites of the
   * same mirror (Ubuntu's {@code noble-updates}, {@code noble-security}); {@code keyring} a folder
   * of archive keys, relative to the recipe, for an archive the host's apt does not trust (an
   * Ubuntu base made on a Debian host).
   */
  public record Debian(
      String suite,
      String variant,
      List<String> include,
      String mirror,
      List<String> components,
      List<String> pockets,
      String keyring)
      implements Base {
    public Debian {
      suite = suite == null || suite.isBlank() ? "bookworm" : suite;
      variant = variant == null || variant.isBlank() ? "apt" : variant;
      include = include == null ? List.of() : List.copyOf(include);
      mirror = mirror == null || mirror.isBlank() ? "http://deb.debian.org/debian" : mirror;
      components =
          components == null || components.isEmpty() ? List.of("main") : List.copyOf(components);
      pockets = pockets == null ? List.of() : List.copyOf(pockets);
      keyring = keyring == null || keyring.isBlank() ? null : keyring;
    }

    public Debian(String suite, String variant, List<String> include, String mirror) {
      this(suite, variant, include, mirror, null, null, null);
    }

    /** The keyring folder, when the recipe names one. */
    public Optional<String> keyringDir() {
      return Optional.ofNullable(keyring);
    }
  }

  /** An image from a registry, pinned by digest ({@code name@sha256:...}) to be reproducible. */
  public record Registry(String reference) implements Base {
    public Registry {
      Objects.requireNonNull(reference, "reference");
    }

    public boolean pinned() {
      return reference.matches(".+@sha256:[0-9a-f]{64}");
    }
  }

  /** A layer we write ourselves. */
  public sealed interface Layer permits Copy, Classpath, Venv {}

  /** Files copied in: {@code from} (relative to the project root) to {@code to} in the image. */
  public record Copy(String from, String to) implements Layer {
    public Copy {
      Objects.requireNonNull(from, "copy.from");
      Objects.requireNonNull(to, "copy.to");
    }
  }

  /**
   * The jars a classpath file lists ({@code from}, relative to the project folder; entries
   * separated by ':' or new lines, as Maven's dependency:build-classpath writes them), each copied
   * into the folder {@code to} under its file name.
   */
  public record Classpath(String from, String to) implements Layer {
    public Classpath {
      Objects.requireNonNull(from, "classpath.from");
      Objects.requireNonNull(to, "classpath.to");
    }
  }

  /**
   * A Python venv at {@code path}, made in a throwaway container by the env step's own script (the
   * one every other target runs): the {@code lock} (with hashes, relative to the recipe) installed
   * with {@code --require-hashes}, and torch from the PyTorch index {@code torch} names ({@code
   * cpu}, {@code cu128}, ...; {@code auto}: the base's own torch when the base is a pytorch/pytorch
   * image, else the default CUDA build).
   */
  public record Venv(String lock, String torch, String path, String python) implements Layer {
    /** The values {@code torch} takes: a bootstrap.torchIndex spelling. */
    public static final List<String> TORCH =
        Arrays.stream(TorchIndex.values()).map(YamlEnum::spell).toList();

    public Venv {
      Objects.requireNonNull(lock, "venv.lock");
      torch = torch == null || torch.isBlank() ? "auto" : torch;
      path = path == null || path.isBlank() ? "/opt/venv" : path;
      python = python == null || python.isBlank() ? "python3" : python;
    }

    public TorchIndex torchIndex() {
      return TorchIndex.valueOf(torch.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /** How the image runs; each field, when set, replaces what the base or the build set. */
  public record Runtime(
      List<String> env,
      List<String> entrypoint,
      List<String> cmd,
      String workingDir,
      String user,
      List<String> exposedPorts) {
    public static final Runtime NONE = new Runtime(null, null, null, null, null, null);
  }
}
