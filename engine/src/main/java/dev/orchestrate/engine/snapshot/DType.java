package dev.orchestrate.engine.snapshot;

import dev.orchestrate.engine.EngineException;

/** Element types of the safetensors format; the engine computes with F32, F16 and BF16 only. */
public enum DType {
  BOOL(1),
  U8(1),
  I8(1),
  F8_E5M2(1),
  F8_E4M3(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  F64(8),
  I64(8),
  U64(8);

  private final int size;

  DType(int size) {
    this.size = size;
  }

  /** Bytes per element. */
  public int size() {
    return size;
  }

  /** Whether tensors of this type can be read as floats. */
  public boolean isFloat() {
    return this == F32 || this == F16 || this == BF16;
  }

  public static DType parse(String name) {
    try {
      return DType.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new EngineException(
          "unknown safetensors dtype '" + name + "'",
          "the file may be corrupt or written by a newer safetensors version",
          e);
    }
  }

  /** The safetensors dtype of a command-line name such as {@code bf16} or {@code f32}. */
  public static DType fromCli(String name) {
    return switch (name.toLowerCase(java.util.Locale.ROOT)) {
      case "bf16", "bfloat16" -> BF16;
      case "f32", "fp32", "float32" -> F32;
      case "f16", "fp16", "float16" -> F16;
      default -> throw new EngineException("unknown dtype '" + name + "'", "use bf16, f32 or f16");
    };
  }

  /** The name transformers uses in config.json. */
  public String torchName() {
    return switch (this) {
      case BF16 -> "bfloat16";
      case F16 -> "float16";
      case F32 -> "float32";
      default -> name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
