package dev.orchestrate.docker.build;

import dev.orchestrate.docker.tar.Content;
import dev.orchestrate.docker.tar.TarEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Host files as layer entries with the host's accidents removed: owner root, mode 0755 when the
 * owner may execute and 0644 otherwise (a checkout's umask must not change the image), directories
 * 0755, symlinks kept as links. Times are fixed later by the layer writer.
 */
public final class FileTree {
  private FileTree() {}

  /** {@code source} (a file or a folder) placed at {@code target} (a path in the image). */
  public static List<TarEntry> entries(Path source, String target) throws IOException {
    List<TarEntry> out = new ArrayList<>();
    String root = TarEntry.normalise(target);
    if (Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(source)) {
      out.add(entry(source, root));
      return out;
    }
    if (!Files.isDirectory(source)) {
      throw new IOException(source + " does not exist");
    }
    try (Stream<Path> walk = Files.walk(source)) {
      for (Path p : walk.sorted().toList()) {
        String rel = source.relativize(p).toString().replace('\\', '/');
        String path = rel.isEmpty() ? root : root + "/" + rel;
        if (TarEntry.normalise(path).isEmpty()) {
          continue;
        }
        out.add(entry(p, path));
      }
    }
    return out;
  }

  private static TarEntry entry(Path p, String path) throws IOException {
    if (Files.isSymbolicLink(p)) {
      return TarEntry.symlink(path, Files.readSymbolicLink(p).toString());
    }
    if (Files.isDirectory(p)) {
      return TarEntry.directory(path, 0755);
    }
    int mode = Files.isExecutable(p) ? 0755 : 0644;
    return TarEntry.file(path, mode, Content.file(p));
  }
}
