package dev.orchestrate.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The background fdatasync behind a download: its failures are not lost. */
class FlusherTest {
  @TempDir Path tmp;

  @Test
  void flushesBehindTheWriterAndFinishesClean() throws IOException {
    Path file = tmp.resolve("part");
    try (FileChannel ch =
            FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Flusher flusher = new Flusher(ch, 4096)) {
      for (int i = 0; i < 64; i++) {
        ch.write(ByteBuffer.wrap(new byte[1024]));
        flusher.written(1024);
      }
      flusher.finish();
    }
    assertEquals(64 * 1024, Files.size(file));
  }

  @Test
  void aFailedBackgroundFlushIsThrownByFinish() throws IOException {
    Path file = tmp.resolve("part");
    FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try (Flusher flusher = new Flusher(ch, 1)) {
      ch.write(ByteBuffer.wrap(new byte[16]));
      ch.close(); // the flush the next call starts fails, as a disk error would
      flusher.written(16);
      assertThrows(ClosedChannelException.class, flusher::finish);
    }
  }

  @Test
  @Timeout(60)
  void aFailedFlushStopsTheNextWrite() throws IOException {
    Path file = tmp.resolve("part");
    FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try (Flusher flusher = new Flusher(ch, 1)) {
      ch.close();
      flusher.written(1); // starts a flush that fails
      // The next count waits for it once it is done and throws its failure.
      assertThrows(
          ClosedChannelException.class,
          () -> {
            while (true) {
              flusher.written(1);
            }
          });
    }
  }
}
