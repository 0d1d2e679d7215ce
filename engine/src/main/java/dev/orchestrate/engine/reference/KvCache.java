package dev.orchestrate.engine.reference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Post-RoPE keys and the values of every layer, [kvHeads, capacity, headDim] each, allocated once
 * and written in place.
 */
final class KvCache {
  private final NDArray[] keys;
  private final NDArray[] values;

  KvCache(NDManager manager, int layers, int kvHeads, int capacity, int headDim) {
    Shape shape = new Shape(kvHeads, capacity, headDim);
    keys = new NDArray[layers];
    values = new NDArray[layers];
    for (int i = 0; i < layers; i++) {
      keys[i] = manager.zeros(shape, DataType.FLOAT32);
      values[i] = manager.zeros(shape, DataType.FLOAT32);
    }
  }

  /** Stores [kvHeads, n, d] keys and values at positions {@code from..from+n-1}. */
  void write(int layer, int from, NDArray k, NDArray v) {
    NDIndex at = new NDIndex(":, {}:{}, :", from, from + k.getShape().get(1));
    keys[layer].set(at, k);
    values[layer].set(at, v);
  }

  /** Views of the first {@code length} positions. */
  NDArray keys(int layer, int length) {
    return keys[layer].get(new NDIndex(":, :{}, :", length));
  }

  NDArray values(int layer, int length) {
    return values[layer].get(new NDIndex(":, :{}, :", length));
  }
}
