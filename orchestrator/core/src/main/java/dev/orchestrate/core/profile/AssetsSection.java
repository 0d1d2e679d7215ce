package dev.orchestrate.core.profile;

/** The staged model snapshot ({@code assets}); {@code dir} is relative to the project folder. */
public record AssetsSection(String dir) {
  public static final String DEFAULT_DIR = "llm_raw/olmo_2";

  public AssetsSection {
    dir = dir == null ? DEFAULT_DIR : dir;
    InvalidValue.check(!dir.isBlank(), "dir", "must not be blank");
  }

  public static AssetsSection defaults() {
    return new AssetsSection(null);
  }
}
