package dev.orchestrate.engine.snapshot;

import dev.orchestrate.engine.EngineException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One safetensors file opened read-only; tensors are memory-mapped on request. */
public final class SafetensorsFile implements AutoCloseable {
  private final Path path;
  private final FileChannel channel;
  private final SafetensorsHeader header;
  private final long dataStart;
  private final Map<String, TensorInfo> byName = new LinkedHashMap<>();
  private final long chunkBytes;

  private SafetensorsFile(
      Path path, FileChannel channel, SafetensorsHeader header, long start, long chunkBytes) {
    this.path = path;
    this.chunkBytes = chunkBytes;
    this.channel = channel;
    this.header = header;
    this.dataStart = start;
    header.tensors().forEach(t -> byName.put(t.name(), t));
  }

  /** Opens and validates a file; throws {@link EngineException} when it is truncated or corrupt. */
  public static SafetensorsFile open(Path path) {
    return open(path, TensorData.CHUNK_BYTES);
  }

  /** As {@link #open(Path)} with mappings of {@code chunkBytes} (a multiple of 8; for tests). */
  static SafetensorsFile open(Path path, long chunkBytes) {
    if (chunkBytes <= 0 || chunkBytes % 8 != 0 || chunkBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("chunk size " + chunkBytes);
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new EngineException("missing weights file " + path, "check the snapshot directory", e);
    } catch (IOException e) {
      throw new EngineException("cannot open " + path + ": " + e.getMessage(), "", e);
    }
    try {
      long size = channel.size();
      String source = path.toString();
      if (size < 8) {
        throw SafetensorsHeader.corrupt(source, "it has only " + size + " bytes", null);
      }
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, len, 0);
      long headerLength = len.flip().getLong();
      if (headerLength < 2 || headerLength > SafetensorsHeader.MAX_HEADER_BYTES) {
        throw SafetensorsHeader.corrupt(
            source, "its header length field says " + Long.toUnsignedString(headerLength), null);
      }
      if (8 + headerLength > size) {
        throw SafetensorsHeader.corrupt(
            source,
            "the file is truncated inside its "
                + headerLength
                + "-byte header ("
                + size
                + " bytes in all)",
            null);
      }
      ByteBuffer json = ByteBuffer.allocate((int) headerLength);
      readFully(channel, json, 8);
      SafetensorsHeader header =
          SafetensorsHeader.parse(json.array(), size - 8 - headerLength, source);
      return new SafetensorsFile(path, channel, header, 8 + headerLength, chunkBytes);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new EngineException("cannot read " + path + ": " + e.getMessage(), "", e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  public SafetensorsHeader header() {
    return header;
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** Maps one tensor's bytes. */
  public TensorData tensor(String name) {
    TensorInfo info = byName.get(name);
    if (info == null) {
      throw new EngineException(
          "tensor '" + name + "' is not in " + path,
          "the snapshot does not match the model config");
    }
    List<ByteBuffer> chunks = new ArrayList<>();
    try {
      long offset = 0;
      do {
        long n = Math.min(chunkBytes, info.byteSize() - offset);
        chunks.add(
            channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin() + offset, n));
        offset += n;
      } while (offset < info.byteSize());
    } catch (IOException e) {
      throw new EngineException(
          "cannot map " + name + " from " + path + ": " + e.getMessage(), "", e);
    }
    return new TensorData(info, chunks, chunkBytes);
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }

  private static void readFully(FileChannel channel, ByteBuffer dst, long position)
      throws IOException {
    long at = position;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, at);
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
      at += n;
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing useful to do on a failed close of a read-only file
    }
  }
}
