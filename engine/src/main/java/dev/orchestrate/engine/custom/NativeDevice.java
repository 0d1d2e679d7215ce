package dev.orchestrate.engine.custom;

import dev.orchestrate.engine.EngineException;
import java.util.Locale;

/**
 * Where the custom backend runs: {@code auto} (CUDA device 0 when the library has CUDA, a GPU is
 * present and the CUDA kernels cover the model's shape, else the CPU), {@code cpu}, {@code cuda} or
 * {@code cuda:N}. Chosen with the system property {@value #PROPERTY} or the environment variable
 * {@value #ENV}.
 */
public record NativeDevice(int backend, int ordinal) {
  static final String PROPERTY = "orchestrate.custom.device";
  static final String ENV = "ORCHESTRATE_CUSTOM_DEVICE";

  public static final NativeDevice AUTO = new NativeDevice(NativeEngine.BACKEND_AUTO, 0);
  public static final NativeDevice CPU = new NativeDevice(NativeEngine.BACKEND_CPU, 0);

  public NativeDevice {
    if (backend < NativeEngine.BACKEND_AUTO || backend > NativeEngine.BACKEND_CUDA || ordinal < 0) {
      throw new IllegalArgumentException("backend " + backend + ", device " + ordinal);
    }
  }

  public static NativeDevice cuda(int ordinal) {
    return new NativeDevice(NativeEngine.BACKEND_CUDA, ordinal);
  }

  /** The device named by {@value #PROPERTY} or {@value #ENV}; {@link #AUTO} when neither is set. */
  static NativeDevice configured() {
    String value = System.getProperty(PROPERTY);
    String source = "-D" + PROPERTY;
    if (value == null) {
      value = System.getenv(ENV);
      source = ENV;
    }
    return value == null ? AUTO : parse(value, source);
  }

  static NativeDevice parse(String value, String source) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.equals("auto")) {
      return AUTO;
    }
    if (v.equals("cpu")) {
      return CPU;
    }
    if (v.equals("cuda")) {
      return cuda(0);
    }
    if (v.startsWith("cuda:")) {
      try {
        int ordinal = Integer.parseInt(v.substring(5));
        if (ordinal >= 0) {
          return cuda(ordinal);
        }
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    }
    throw new EngineException(
        source + "='" + value + "' is not a device", "use auto, cpu, cuda or cuda:N");
  }
}
