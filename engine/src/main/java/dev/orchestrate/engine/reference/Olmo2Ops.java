package dev.orchestrate.engine.reference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/** The tensor operations OLMo-2 is made of, as transformers defines them, in FP32. */
final class Olmo2Ops {
  private Olmo2Ops() {}

  /** x·W for a projection stored transposed, [in, out] (the Linear layer x·Wᵀ of transformers). */
  static NDArray linear(NDArray x, NDArray weightInOut) {
    return x.matMul(weightInOut);
  }

  /** x / sqrt(mean(x²) + eps) · weight over the last axis. */
  static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
    NDArray variance = x.square().mean(new int[] {-1}, true);
    return x.mul(variance.add(eps).pow(-0.5)).mul(weight);
  }

  /** x·cos + rotate_half(x)·sin with rotate_half(x) = concat(−x₂, x₁) (split-half layout). */
  static NDArray rope(NDArray x, NDArray cos, NDArray sin) {
    long half = x.getShape().get(x.getShape().dimension() - 1) / 2;
    NDArray x1 = x.get(new NDIndex("..., :{}", half));
    NDArray x2 = x.get(new NDIndex("..., {}:", half));
    NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
    return x.mul(cos).add(rotated.mul(sin));
  }

  /** [kvHeads, L, d] to [kvHeads·groups, L, d]: query head h reads kv head h / groups. */
  static NDArray repeatKv(NDArray kv, int groups) {
    if (groups == 1) {
      return kv;
    }
    Shape s = kv.getShape();
    return kv.expandDims(1)
        .broadcast(new Shape(s.get(0), groups, s.get(1), s.get(2)))
        .reshape(s.get(0) * groups, s.get(1), s.get(2));
  }

  /** down(silu(gate(x)) · up(x)) with gate and up side by side in one [in, 2·I] matrix. */
  static NDArray swiGlu(NDArray x, NDArray gateUp, NDArray down, int intermediate) {
    NDArray both = linear(x, gateUp);
    NDArray g = both.get(new NDIndex(":, :{}", intermediate));
    NDArray u = both.get(new NDIndex(":, {}:", intermediate));
    return linear(Activation.sigmoid(g).mul(g).mul(u), down);
  }
}
