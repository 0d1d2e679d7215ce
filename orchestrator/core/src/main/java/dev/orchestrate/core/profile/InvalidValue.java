package dev.orchestrate.core.profile;

/**
 * Thrown by a profile record's compact constructor when one of its values is impossible; {@code
 * key} names the offending component so the loader can report file, line and path.
 */
public final class InvalidValue extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String key;

  public InvalidValue(String key, String message) {
    super(message);
    this.key = key;
  }

  public String key() {
    return key;
  }

  static void check(boolean ok, String key, String message) {
    if (!ok) {
      throw new InvalidValue(key, message);
    }
  }
}
