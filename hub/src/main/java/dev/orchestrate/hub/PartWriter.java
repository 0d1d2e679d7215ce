package dev.orchestrate.hub;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a download's part file at increasing positions, through the page cache or, when opened for
 * direct I/O ({@link WritePolicy} says when), around it: whole blocks from block-aligned buffers
 * then go to the disk with {@code O_DIRECT}, with no copy into the cache and nothing left to write
 * back, so the fsync before the rename is short (on the development machine a 2.8 GB file took 1.7
 * s this way against 4.9-6.9 s written through the cache and fdatasynced; docs/assets.md,
 * Measured). The rest (the tail of a file, the first bytes of a resume at an odd offset, all of it
 * where the file system has no direct I/O) goes through the cache, with a {@link Flusher} behind
 * it. Either way nothing is durable until {@link AtomicWrite#fsync}.
 */
final class PartWriter implements AutoCloseable {
  /**
   * Writes through the page cache go in slices of this size: larger {@code write(2)}s make the
   * kernel fill larger folios, and on the development machine (a VM whose free memory the host
   * takes back in 2 MiB blocks) writing 2.8 GB took 7-9.5 s of system time in 1 MiB writes, 3.2 s
   * in 256 KiB ones and 1.5-1.8 s in 32-128 KiB ones (docs/assets.md, Measured).
   */
  static final int CACHED_SLICE = 64 << 10;

  private final Path part;
  private final FileChannel buffered;
  private final FileChannel direct; // null: no direct I/O here
  private final int alignment;
  private final Flusher flusher;
  private boolean directWorks = true; // the writing thread's: false once a direct write failed

  PartWriter(Path part, FileChannel buffered, FileChannel direct, int alignment) {
    this.part = part;
    this.buffered = buffered;
    this.direct = direct;
    this.alignment = alignment;
    this.flusher = new Flusher(buffered);
  }

  /**
   * Opens {@code part} (created if missing) for writing; direct I/O where it is possible and {@code
   * tryDirect}.
   */
  static PartWriter open(Path part, boolean tryDirect) {
    FileChannel buffered;
    try {
      buffered = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw local(part, e);
    }
    if (!tryDirect) {
      return new PartWriter(part, buffered, null, 1);
    }
    try {
      int alignment = Math.toIntExact(Files.getFileStore(part).getBlockSize());
      if (alignment <= 0 || Integer.bitCount(alignment) != 1 || alignment > 1 << 16) {
        return new PartWriter(part, buffered, null, 1);
      }
      FileChannel direct =
          FileChannel.open(part, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
      return new PartWriter(part, buffered, direct, alignment);
    } catch (IOException | UnsupportedOperationException | ArithmeticException e) {
      // tmpfs on older kernels, some network and overlay file systems: the page cache it is.
      return new PartWriter(part, buffered, null, 1);
    }
  }

  /** Whether whole aligned blocks skip the page cache. */
  boolean direct() {
    return direct != null && directWorks;
  }

  /** The file offset and buffer address alignment direct writes need (1 without direct I/O). */
  int alignment() {
    return alignment;
  }

  /**
   * Writes {@code buf} from its position to its limit at file offset {@code at}; moves the position
   * to the limit. Throws the failure of an earlier background flush.
   */
  void write(ByteBuffer buf, long at) {
    try {
      writeAll(buf, at);
    } catch (IOException e) {
      throw local(part, e);
    }
  }

  private void writeAll(ByteBuffer buf, long at) throws IOException {
    long pos = at;
    int whole = 0;
    if (direct() && pos % alignment == 0 && buf.alignmentOffset(buf.position(), alignment) == 0) {
      whole = buf.remaining() - buf.remaining() % alignment;
    }
    if (whole > 0) {
      ByteBuffer blocks = buf.slice(buf.position(), whole);
      try {
        while (blocks.hasRemaining()) {
          pos += direct.write(blocks, pos);
        }
      } catch (IOException e) {
        // Some file systems open with O_DIRECT and then refuse the writes: the page cache takes
        // the rest of the file from where the direct writes stopped (a failing disk fails there
        // too, and is reported).
        directWorks = false;
      }
      buf.position(buf.position() + blocks.position());
    }
    int rest = buf.remaining();
    while (buf.hasRemaining()) {
      ByteBuffer slice = buf.slice(buf.position(), Math.min(buf.remaining(), CACHED_SLICE));
      while (slice.hasRemaining()) {
        pos += buffered.write(slice, pos);
      }
      buf.position(buf.position() + slice.position());
    }
    if (rest > 0) {
      flusher.written(rest);
    }
  }

  /** Waits for the background flush in flight; throws its failure. */
  void finish() {
    try {
      flusher.finish();
    } catch (IOException e) {
      throw local(part, e);
    }
  }

  /** Closes the file; what was written is made durable by the fsync before the rename. */
  @Override
  public void close() {
    flusher.close();
    for (FileChannel ch : new FileChannel[] {buffered, direct}) {
      try {
        if (ch != null) {
          ch.close();
        }
      } catch (IOException e) {
        // nothing more to do with it
      }
    }
  }

  private static HubException local(Path part, IOException e) {
    return new HubException(
        HubException.Kind.LOCAL,
        "cannot write " + part + ": " + (e.getMessage() != null ? e.getMessage() : e),
        "check free space and permissions in " + part.toAbsolutePath().getParent(),
        e);
  }
}
