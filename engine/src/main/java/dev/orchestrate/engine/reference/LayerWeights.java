package dev.orchestrate.engine.reference;

import ai.djl.ndarray.NDArray;

/** One decoder layer's tensors, FP32; projections transposed to [in, out]. */
record LayerWeights(
    NDArray qProj,
    NDArray kProj,
    NDArray vProj,
    NDArray oProj,
    NDArray qNorm,
    NDArray kNorm,
    NDArray gateProj,
    NDArray upProj,
    NDArray downProj,
    NDArray postAttentionNorm,
    NDArray postFeedforwardNorm) {}
