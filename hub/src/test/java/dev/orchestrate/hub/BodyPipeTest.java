package dev.orchestrate.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The receiver's writer and hasher stages: every byte lands in order, failures are not lost. */
class BodyPipeTest {
  @TempDir Path tmp;

  @ParameterizedTest(name = "direct I/O tried: {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(60)
  void aResumedBodyInOddPiecesIsWrittenAndHashedLikeTheWholeFile(boolean direct) throws Exception {
    Random r = new Random(3);
    byte[] data = new byte[5 * BodyPipe.BUFFER_SIZE + 777];
    r.nextBytes(data);
    int start = 12_345; // a part left by a drop: not on a block
    Path part = tmp.resolve(".model.safetensors.part");
    Files.write(part, Arrays.copyOf(data, start));
    FileDigest digest = new FileDigest(data.length, true);
    digest.update(part, start);

    long have = start;
    try (PartWriter out = PartWriter.open(part, direct);
        BodyPipe pipe = new BodyPipe(out, digest::update, have)) {
      while (have < data.length) {
        int room = pipe.room();
        ByteBuffer buf = pipe.buffer();
        // Whole buffers mostly, now and then one cut short (the next then starts off a block).
        int n = (int) Math.min(data.length - have, r.nextInt(4) == 0 ? 1 + r.nextInt(room) : room);
        buf.put(data, (int) have, n).flip();
        pipe.accept(buf);
        have += n;
      }
      pipe.drain();
      out.finish();
    }

    assertArrayEquals(data, Files.readAllBytes(part));
    assertEquals(data.length, digest.length());
    Path whole = tmp.resolve("whole");
    Files.write(whole, data);
    assertEquals(FileDigest.of(whole, true), digest.finish());
  }

  @Test
  void afterAResumeOffABlockTheFirstBufferOnlyReachesTheNextBlock() throws IOException {
    Path part = tmp.resolve("part");
    try (PartWriter out = PartWriter.open(part, true);
        BodyPipe atBlock = new BodyPipe(out, b -> {}, 8192);
        BodyPipe offBlock = new BodyPipe(out, b -> {}, 8192 + 100)) {
      assertEquals(BodyPipe.BUFFER_SIZE, atBlock.room());
      int a = out.alignment();
      assertEquals(out.direct() ? a - (8192 + 100) % a : BodyPipe.BUFFER_SIZE, offBlock.room());
    }
  }

  @Test
  @Timeout(60)
  void aFailureOnTheHashingThreadStopsTheReceiverAndIsThrown() throws Exception {
    IllegalStateException boom = new IllegalStateException("boom");
    AtomicInteger calls = new AtomicInteger();
    try (PartWriter out = PartWriter.open(tmp.resolve("part"), true);
        BodyPipe pipe =
            new BodyPipe(
                out,
                b -> {
                  if (calls.incrementAndGet() == 2) {
                    throw boom;
                  }
                },
                0)) {
      // The receiver keeps handing over buffers until the pipe tells it to stop.
      IllegalStateException thrown =
          assertThrows(
              IllegalStateException.class,
              () -> {
                for (int i = 0; i < 1000; i++) {
                  ByteBuffer buf = pipe.buffer();
                  buf.put(new byte[4096]).flip();
                  pipe.accept(buf);
                }
              });
      assertSame(boom, thrown);
      assertSame(boom, assertThrows(IllegalStateException.class, pipe::drain));
    }
  }

  @Test
  @Timeout(60)
  void aFailedWriteIsALocalErrorAndNothingIsWrittenAfterIt() throws Exception {
    Path part = tmp.resolve("part");
    PartWriter out = PartWriter.open(part, true);
    out.close(); // every write now fails, as on a disk error
    try (BodyPipe pipe = new BodyPipe(out, b -> {}, 0)) {
      // The failure stops the receiver at its next buffer, or else at the drain.
      HubException e =
          assertThrows(
              HubException.class,
              () -> {
                for (int i = 0; i < 3; i++) {
                  ByteBuffer buf = pipe.buffer();
                  buf.put(new byte[8192]).flip();
                  pipe.accept(buf);
                }
                pipe.drain();
              });
      assertEquals(HubException.Kind.LOCAL, e.kind());
      assertTrue(e.getMessage().startsWith("cannot write " + part), e.getMessage());
    }
    assertEquals(0, Files.size(part));
  }
}
