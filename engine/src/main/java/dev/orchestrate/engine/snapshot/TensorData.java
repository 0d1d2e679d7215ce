package dev.orchestrate.engine.snapshot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.List;

/**
 * The bytes of one tensor, memory-mapped in chunks of at most {@link #CHUNK_BYTES} (a Java 17
 * mapping cannot exceed 2 GiB), read as floats whatever the stored float type.
 */
public final class TensorData {
  /** Chunk size of the mappings; a multiple of every element size. */
  public static final long CHUNK_BYTES = 1L << 30;

  /** Elements converted per bulk read of 16-bit types. */
  private static final int BLOCK = 1 << 16;

  private final TensorInfo info;
  private final List<ByteBuffer> chunks;
  private final long chunkBytes;

  TensorData(TensorInfo info, List<ByteBuffer> chunks, long chunkBytes) {
    this.info = info;
    this.chunkBytes = chunkBytes;
    this.chunks = chunks.stream().map(b -> b.duplicate().order(ByteOrder.LITTLE_ENDIAN)).toList();
  }

  public TensorInfo info() {
    return info;
  }

  /**
   * Converts {@code count} elements starting at element {@code from} to floats.
   *
   * @throws IllegalStateException for non-float tensors
   */
  public void readFloats(long from, float[] dst, int dstOffset, int count) {
    FloatBuffer out = FloatBuffer.wrap(dst, dstOffset, count);
    readFloats(from, count, out);
  }

  /** Converts {@code count} elements starting at element {@code from} into {@code out}. */
  public void readFloats(long from, long count, FloatBuffer out) {
    DType dtype = info.dtype();
    if (!dtype.isFloat()) {
      throw new IllegalStateException(info.name() + " is " + dtype + ", not a float tensor");
    }
    if (from < 0 || count < 0 || from + count > info.numel()) {
      throw new IndexOutOfBoundsException(
          "elements [" + from + "," + (from + count) + ") of " + info);
    }
    long elementsPerChunk = chunkBytes / dtype.size();
    long done = 0;
    while (done < count) {
      long element = from + done;
      int chunk = (int) (element / elementsPerChunk);
      int inChunk = (int) (element % elementsPerChunk);
      ByteBuffer src = chunks.get(chunk);
      int n = (int) Math.min(count - done, src.capacity() / dtype.size() - inChunk);
      convert(dtype, src, inChunk, n, out);
      done += n;
    }
  }

  /** All elements as a float array; only for tensors under 2^31 elements. */
  public float[] toFloatArray() {
    float[] all = new float[Math.toIntExact(info.numel())];
    readFloats(0, all, 0, all.length);
    return all;
  }

  private static void convert(DType dtype, ByteBuffer src, int at, int n, FloatBuffer out) {
    switch (dtype) {
      case F32 -> {
        ByteBuffer slice = src.slice(at * 4, n * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.put(slice.asFloatBuffer());
      }
      case BF16, F16 -> {
        ShortBuffer halves =
            src.slice(at * 2, n * 2).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        short[] raw = new short[Math.min(n, BLOCK)];
        float[] wide = new float[raw.length];
        for (int done = 0; done < n; ) {
          int m = Math.min(raw.length, n - done);
          halves.get(raw, 0, m);
          if (dtype == DType.BF16) {
            for (int i = 0; i < m; i++) {
              wide[i] = Float.intBitsToFloat((raw[i] & 0xFFFF) << 16);
            }
          } else {
            for (int i = 0; i < m; i++) {
              wide[i] = HalfFloat.toFloat(raw[i]);
            }
          }
          out.put(wide, 0, m);
          done += m;
        }
      }
      default -> throw new IllegalStateException("not a float type: " + dtype);
    }
  }
}
