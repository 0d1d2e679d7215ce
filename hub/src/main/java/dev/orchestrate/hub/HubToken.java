package dev.orchestrate.hub;

import java.util.Objects;

/**
 * A Hub access token. Its {@code toString} never shows the value; {@link #value()} is read only to
 * build the {@code Authorization} header and by the front-ends that register it with their
 * redactor.
 */
public record HubToken(String value, String source) {
  public HubToken {
    Objects.requireNonNull(value, "value");
    value = value.strip();
    if (value.isEmpty()) {
      throw new IllegalArgumentException("empty token");
    }
    source = source == null ? "" : source;
  }

  @Override
  public String toString() {
    return "HubToken[from " + source + "]";
  }
}
