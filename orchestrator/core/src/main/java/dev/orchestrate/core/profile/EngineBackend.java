package dev.orchestrate.core.profile;

/**
 * Which engine generates: the DJL/PyTorch reference, our CUDA kernels, or Hugging Face in Python.
 */
public enum EngineBackend {
  REFERENCE,
  CUSTOM,
  HF
}
