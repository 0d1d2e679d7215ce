package dev.orchestrate.engine.reference;

import ai.djl.ndarray.NDArray;

/**
 * One decoder layer's tensors, FP32. Projections are transposed to [in, out]; q/k/v share one
 * matrix [hidden, q + 2·kv] and gate/up one [hidden, 2·intermediate], so a layer is four matrix
 * products.
 */
record LayerWeights(
    NDArray qkvProj,
    NDArray oProj,
    NDArray qNorm,
    NDArray kNorm,
    NDArray gateUpProj,
    NDArray downProj,
    NDArray postAttentionNorm,
    NDArray postFeedforwardNorm) {}
