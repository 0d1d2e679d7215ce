package dev.orchestrate.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The part file's writer: direct where it can, the page cache where it cannot, same bytes. */
class PartWriterTest {
  @TempDir Path tmp;

  @Test
  void directWritesThatFailGoThroughThePageCacheFromWhereTheyStopped() throws IOException {
    Path part = tmp.resolve("part");
    byte[] data = new byte[3 * 4096 + 100];
    new Random(5).nextBytes(data);
    FileChannel buffered =
        FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileChannel refusing = FileChannel.open(part, StandardOpenOption.WRITE);
    refusing.close(); // every direct write fails, as on a file system that opens O_DIRECT only

    try (PartWriter out = new PartWriter(part, buffered, refusing, 4096)) {
      assertTrue(out.direct());
      out.write(aligned(data, 0, 2 * 4096), 0);
      assertFalse(out.direct(), "the first failure turns direct writes off for the file");
      out.write(aligned(data, 2 * 4096, data.length - 2 * 4096), 2 * 4096);
      out.finish();
    }
    assertArrayEquals(data, Files.readAllBytes(part));
  }

  private static ByteBuffer aligned(byte[] data, int from, int length) {
    // alignedSlice rounds both ends in to the alignment: room for a whole block more than needed.
    ByteBuffer b = ByteBuffer.allocateDirect(length + 2 * 4096).alignedSlice(4096);
    return b.put(data, from, length).flip();
  }
}
