package dev.orchestrate.core.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that readers see either the old content or the new, never half: a temp file in
 * the same folder, forced to disk, then renamed over the target.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void write(Path file, byte[] content) throws IOException {
    Path tmp = written(file, content);
    try {
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Creates {@code file} with {@code content} unless it exists, so that of several processes
   * creating it at once exactly one wins and nobody reads half a file: written whole to a temp
   * file, then hard-linked into place (which fails when the name exists). Without hard links, an
   * exclusive create (a reader may then see it while it is written, and should retry).
   *
   * @return whether this call created it
   */
  public static boolean createIfAbsent(Path file, byte[] content) throws IOException {
    Path tmp = written(file, content);
    try {
      try {
        Files.createLink(file, tmp);
        return true;
      } catch (FileAlreadyExistsException lost) {
        return false;
      } catch (UnsupportedOperationException | IOException noLinks) {
        if (Files.exists(file)) {
          return false;
        }
        try (FileChannel ch =
            FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          ch.write(java.nio.ByteBuffer.wrap(content));
          ch.force(true);
          return true;
        } catch (FileAlreadyExistsException lost) {
          return false;
        }
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  // content in a new temp file beside file, forced to disk
  private static Path written(Path file, byte[] content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(content));
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    return tmp;
  }
}
