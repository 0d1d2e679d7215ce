package dev.orchestrate.engine.create;

import dev.orchestrate.engine.snapshot.DType;

/** A tensor to write: its name, stored type, shape and where its values come from. */
public record TensorSpec(String name, DType dtype, long[] shape, Values values) {
  /** Produces values of a tensor by element index; must be pure (same inputs, same output). */
  @FunctionalInterface
  public interface Values {
    void fill(long from, float[] out, int count);
  }

  public TensorSpec {
    shape = shape.clone();
    if (!dtype.isFloat()) {
      throw new IllegalArgumentException("only float tensors can be written, not " + dtype);
    }
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public long numel() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  public long byteSize() {
    return numel() * dtype.size();
  }
}
