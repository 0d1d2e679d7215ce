package dev.orchestrate.docker.build;

import dev.orchestrate.docker.tar.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A digest of named inputs, each line {@code <what> <value>}: the recipe folder, the base, the
 * copied trees, the lock file and the package indexes, the revision. Trees hash their sorted
 * relative paths, the executable bit and the content, the same properties the layers keep, so a
 * touch or a chown changes nothing and a chmod +x or an edit changes it.
 */
public final class InputsDigest {
  /** Bump when the layout of images we write changes, so old images are not taken as current. */
  public static final String FORMAT = "orchestrate-image-format 1";

  private final List<String> lines = new ArrayList<>(List.of(FORMAT));

  public InputsDigest add(String what, String value) {
    lines.add(what + " " + value);
    return this;
  }

  public String hex() {
    return Sha256.hex(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
  }

  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** The digest of a file or folder as the layers see it. */
  public static String tree(Path root) throws IOException {
    return tree(root, null);
  }

  /** As {@link #tree(Path)}, with file hashes remembered by {@code hasher} when given. */
  public static String tree(Path root, FileHasher hasher) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(root + " does not exist");
    }
    List<String> parts = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted().toList()) {
        String rel = root.relativize(p).toString().replace('\\', '/');
        if (Files.isSymbolicLink(p)) {
          parts.add("l " + rel + " " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          parts.add("d " + rel);
        } else {
          String hex = hasher == null ? Sha256.hex(p) : hasher.hex(p);
          parts.add((Files.isExecutable(p) ? "x " : "f ") + rel + " " + hex);
        }
      }
    }
    return Sha256.hex(String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
  }
}
