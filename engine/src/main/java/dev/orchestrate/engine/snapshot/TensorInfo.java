package dev.orchestrate.engine.snapshot;

import java.util.Arrays;

/**
 * One tensor entry of a safetensors header. Offsets are relative to the start of the data buffer;
 * {@code end} is exclusive.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
  public TensorInfo {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public long numel() {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public long byteSize() {
    return end - begin;
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int i) {
    return shape[i];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t
        && name.equals(t.name)
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && begin == t.begin
        && end == t.end;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape) + " [" + begin + "," + end + ")";
  }
}
