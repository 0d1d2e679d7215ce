package dev.orchestrate.vast.client;

import java.util.Objects;

/**
 * A Vast API key and where it came from. {@link #toString()} never shows the value, so the key
 * cannot leak through a log line or an exception message by accident.
 */
public final class ApiKey {
  private final String value;
  private final String source;

  public ApiKey(String value, String source) {
    this.value = Objects.requireNonNull(value, "value").strip();
    this.source = Objects.requireNonNull(source, "source");
    if (this.value.isEmpty()) {
      throw new IllegalArgumentException("empty API key from " + source);
    }
  }

  /** The secret itself: only for the Authorization header and the redactor. */
  public String value() {
    return value;
  }

  /** Where it was read: {@code VAST_API_KEY} or a file path. */
  public String source() {
    return source;
  }

  @Override
  public String toString() {
    return "ApiKey[from " + source + "]";
  }
}
