package dev.orchestrate.core.profile;

import java.util.Objects;

/**
 * The text of one profile file: its name (the file name without {@code .yaml}), where it came from
 * (shown in errors and {@code profiles list}) and its layer (0 = shipped; higher layers override
 * lower ones of the same name).
 */
public record ProfileDocument(String name, String origin, int layer, String text) {
  /**
   * The largest profile file read: a profile is a page of keys. Reading a hostile file of this size
   * (a 90,000-item list, one long plain scalar) takes about two seconds on a loaded machine.
   */
  public static final int MAX_BYTES = 256 << 10;

  public ProfileDocument {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(text, "text");
  }
}
