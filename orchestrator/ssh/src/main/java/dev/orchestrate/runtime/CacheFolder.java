package dev.orchestrate.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Housekeeping of a local cache folder: removing what a build left, pruning older entries. */
final class CacheFolder {
  private CacheFolder() {}

  /**
   * Deletes {@code path} and everything under it (links themselves, not what they point at), as far
   * as it can: a leftover partial or stage folder is harmless, the next build uses another name.
   */
  static void deleteTree(Path path) {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(path)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              f -> {
                try {
                  Files.delete(f);
                } catch (IOException e) {
                  // left over, as above
                }
              });
    } catch (IOException e) {
      // as above
    }
  }

  /** The entries of {@code dir} that {@code candidate} accepts but the newest one, newest first. */
  static List<Path> allButNewest(Path dir, Predicate<Path> candidate) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> found =
          s.filter(candidate)
              .sorted(Comparator.comparing((Path p) -> p.toFile().lastModified()).reversed())
              .toList();
      return found.subList(Math.min(1, found.size()), found.size());
    }
  }
}
