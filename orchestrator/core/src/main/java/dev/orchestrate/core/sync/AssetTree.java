package dev.orchestrate.core.sync;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The regular files of an assets folder, as a reader of each path sees them. Symbolic links that
 * stay inside the folder are followed (model caches link snapshot names to blobs); a link that
 * leads outside it is refused, since whatever it reaches would be shipped to a rented machine (a
 * link to {@code /etc/ssh} would send the host keys); a link back to a folder above it is a loop
 * and refused too. A link whose target does not exist is skipped, as any unreadable name.
 */
final class AssetTree {
  private AssetTree() {}

  /** The files under {@code root}, sorted; the root itself may be a link. */
  static List<Path> files(Path root) throws IOException {
    Path realRoot = root.toRealPath();
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(
        root,
        EnumSet.of(FileVisitOption.FOLLOW_LINKS),
        Integer.MAX_VALUE,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            if (!dir.equals(root)) {
              confine(root, realRoot, dir);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            confine(root, realRoot, file);
            if (attrs.isRegularFile()) {
              files.add(file);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof FileSystemLoopException) {
              throw refused(
                  root,
                  file,
                  "leads back to a folder that contains it (a loop)",
                  "remove the link, or point it at files instead of a folder above it");
            }
            throw e;
          }
        });
    files.sort(null);
    return files;
  }

  /** Refuses {@code path} when it is a link whose target lies outside the real root. */
  private static void confine(Path root, Path realRoot, Path path) throws IOException {
    if (!Files.isSymbolicLink(path)) {
      return;
    }
    Path target;
    try {
      target = path.toRealPath();
    } catch (NoSuchFileException e) {
      // Dangling: judged by where it would lead.
      target = path.getParent().resolve(Files.readSymbolicLink(path)).toAbsolutePath().normalize();
    }
    if (!target.startsWith(realRoot)) {
      throw refused(
          root,
          path,
          "points to " + target + ", outside the assets folder " + realRoot,
          "links that leave the assets folder are never shipped (they could send host files such"
              + " as SSH keys); copy what the engine needs into the folder, or link inside it");
    }
  }

  private static OrchestrateException refused(Path root, Path link, String why, String hint) {
    return new OrchestrateException(
        ErrorCode.FAILURE,
        "the link " + ManifestBuilder.relative(root, link) + " in " + root + " " + why,
        hint);
  }
}
