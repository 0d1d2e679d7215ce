package dev.orchestrate.engine.custom;

import dev.orchestrate.engine.EngineException;

/**
 * A failure reported by libolmo_engine: the failing call, the status name and the engine's message,
 * for example {@code decode failed (invalid argument): token 100352 out of range}. Thrown from the
 * JNI glue, which needs the one-string constructor.
 */
public final class NativeEngineException extends EngineException {
  public NativeEngineException(String message) {
    super("native engine: " + message, "");
  }
}
