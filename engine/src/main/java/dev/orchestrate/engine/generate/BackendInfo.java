package dev.orchestrate.engine.generate;

import java.util.Map;
import java.util.TreeMap;

/**
 * Names for the metrics line: backend, device and compute dtype, and what else the backend knows
 * about the code that ran (the custom backend on CUDA: compute capability, machine code or PTX
 * JIT).
 */
public record BackendInfo(
    String backend, String device, String dtype, Map<String, String> details) {
  public BackendInfo {
    details =
        details == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(details));
  }

  public BackendInfo(String backend, String device, String dtype) {
    this(backend, device, dtype, Map.of());
  }
}
