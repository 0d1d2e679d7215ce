package dev.orchestrate.cli.command;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code logs/<run-id>/reattach.lock}: held by the one {@code logs -f} that re-attached to a remote
 * run whose {@code up} client died, so a second one tails the local log instead of following the
 * machine too (two followers would append every line to engine.log twice). The lock goes with the
 * process, however it ends.
 */
final class Reattaching {
  static final String FILE = "reattach.lock";

  private Reattaching() {}

  /** A held lock; closing releases it. */
  static final class Lock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private Lock(FileChannel channel, FileLock lock) {
      this.channel = channel;
      this.lock = lock;
    }

    @Override
    public void close() throws IOException {
      try {
        lock.release();
      } finally {
        channel.close();
      }
    }
  }

  /** The lock, or null when another re-attacher holds it. */
  static Lock tryLock(Path runDir) throws IOException {
    Files.createDirectories(runDir);
    FileChannel ch =
        FileChannel.open(runDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      FileLock lock = ch.tryLock();
      if (lock != null) {
        return new Lock(ch, lock);
      }
    } catch (OverlappingFileLockException e) {
      // held by this JVM (tests run several commands in one): taken
    }
    ch.close();
    return null;
  }

  /** Whether a re-attacher follows the run now. */
  static boolean held(Path runDir) {
    if (!Files.exists(runDir.resolve(FILE))) {
      return false;
    }
    try (Lock lock = tryLock(runDir)) {
      return lock == null;
    } catch (IOException e) {
      return false;
    }
  }
}
