package dev.orchestrate.engine.create;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.snapshot.HalfFloat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Writes a safetensors file in a streaming fashion: the header first, then each tensor generated
 * chunk by chunk, so memory use does not depend on the model size. The file appears under its final
 * name only when complete. Tensors are laid out in name order and the header is padded with spaces
 * to a multiple of 8 bytes, as the reference writer does.
 */
public final class SafetensorsWriter {
  private static final int CHUNK_ELEMENTS = 1 << 22;
  private static final int PARTS = 8;

  private final ObjectMapper json = new ObjectMapper();

  public void write(Path file, List<TensorSpec> tensors, Map<String, String> metadata) {
    List<TensorSpec> ordered =
        tensors.stream().sorted(Comparator.comparing(TensorSpec::name)).toList();
    byte[] header = header(ordered, metadata);
    Path tmp;
    try {
      // A name of its own: two writers of the same file must never share (and truncate) an inode
      // that a reader may already have mapped.
      tmp =
          Files.createTempFile(
              file.toAbsolutePath().getParent(), file.getFileName() + ".", ".partial");
    } catch (IOException e) {
      throw new EngineException(
          "cannot create a file next to " + file + ": " + e.getMessage(), "", e);
    }
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      len.putLong(header.length).flip();
      writeFully(out, len);
      writeFully(out, ByteBuffer.wrap(header));
      float[] values = new float[CHUNK_ELEMENTS];
      ByteBuffer bytes =
          ByteBuffer.allocateDirect(CHUNK_ELEMENTS * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (TensorSpec t : ordered) {
        long n = t.numel();
        for (long from = 0; from < n; from += CHUNK_ELEMENTS) {
          int count = (int) Math.min(CHUNK_ELEMENTS, n - from);
          fillParallel(t, from, values, count);
          bytes.clear();
          encode(t, values, count, bytes);
          writeFully(out, bytes.flip());
        }
      }
      out.force(false);
    } catch (IOException e) {
      throw new EngineException(
          "cannot write " + file + ": " + e.getMessage(), "check disk space", e);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new EngineException("cannot rename " + tmp + " to " + file, "", e);
    }
  }

  private static void fillParallel(TensorSpec t, long from, float[] values, int count) {
    if (count < 65536) {
      t.values().fill(from, values, count);
      return;
    }
    int per = (count + PARTS - 1) / PARTS;
    IntStream.range(0, PARTS)
        .parallel()
        .forEach(
            p -> {
              int start = p * per;
              int len = Math.min(per, count - start);
              if (len > 0) {
                float[] part = new float[len];
                t.values().fill(from + start, part, len);
                System.arraycopy(part, 0, values, start, len);
              }
            });
  }

  private static void encode(TensorSpec t, float[] values, int count, ByteBuffer bytes) {
    switch (t.dtype()) {
      case F32 -> bytes.asFloatBuffer().put(values, 0, count);
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          bytes.putShort(2 * i, HalfFloat.toBf16(values[i]));
        }
      }
      case F16 -> {
        for (int i = 0; i < count; i++) {
          bytes.putShort(2 * i, HalfFloat.fromFloat(values[i]));
        }
      }
      default -> throw new IllegalStateException(t.dtype().toString());
    }
    bytes.position(count * t.dtype().size());
  }

  private byte[] header(List<TensorSpec> ordered, Map<String, String> metadata) {
    ObjectNode root = json.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (TensorSpec t : ordered) {
      ObjectNode e = root.putObject(t.name());
      e.put("dtype", t.dtype().name());
      ArrayNode shape = e.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      ArrayNode offsets = e.putArray("data_offsets");
      offsets.add(offset);
      offset += t.byteSize();
      offsets.add(offset);
    }
    byte[] raw = root.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (raw.length + 7) / 8 * 8;
    byte[] out = new byte[padded];
    System.arraycopy(raw, 0, out, 0, raw.length);
    java.util.Arrays.fill(out, raw.length, padded, (byte) ' ');
    return out;
  }

  private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      out.write(b);
    }
  }
}
