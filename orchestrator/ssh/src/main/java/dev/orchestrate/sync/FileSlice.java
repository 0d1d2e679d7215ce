package dev.orchestrate.sync;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.LongConsumer;

/** Reads {@code length} bytes of a file from {@code offset}, reporting each read to a counter. */
final class FileSlice extends InputStream {
  private final FileChannel channel;
  private final LongConsumer counter;
  private long position;
  private final long end;

  FileSlice(Path file, long offset, long length, LongConsumer counter) throws IOException {
    this.channel = FileChannel.open(file, StandardOpenOption.READ);
    this.position = offset;
    this.end = offset + length;
    this.counter = counter;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (position >= end) {
      return -1;
    }
    int want = (int) Math.min(len, end - position);
    int n = channel.read(ByteBuffer.wrap(b, off, want), position);
    if (n < 0) {
      throw new IOException("file shrank while being sent (expected " + end + " bytes)");
    }
    position += n;
    counter.accept(n);
    return n;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
