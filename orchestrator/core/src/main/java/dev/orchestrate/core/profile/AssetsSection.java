package dev.orchestrate.core.profile;

import java.util.regex.Pattern;

/**
 * The staged model snapshot ({@code assets}); {@code dir} is relative to the project folder. {@code
 * source}, when set, says where the weights come from: {@code hf://ORG/NAME[@REVISION]} (a model on
 * the Hugging Face Hub, pulled, pinned and verified by {@code assets pull}); empty keeps the folder
 * as staged by hand or by {@code engine.snapshotCommand}.
 */
public record AssetsSection(String dir, String source) {
  public static final String DEFAULT_DIR = "llm_raw/olmo_2";
  public static final String HF_SCHEME = "hf://";
  private static final Pattern HF =
      Pattern.compile(
          "hf://[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*(@[A-Za-z0-9][A-Za-z0-9._/-]*)?");

  public AssetsSection {
    dir = dir == null ? DEFAULT_DIR : dir;
    InvalidValue.check(!dir.isBlank(), "dir", "must not be blank");
    source = source == null ? "" : source.strip();
    InvalidValue.check(
        source.isEmpty() || (HF.matcher(source).matches() && !source.contains("..")),
        "source",
        "expected hf://ORG/NAME[@REVISION], e.g. hf://allenai/OLMo-2-0425-1B@main");
  }

  public AssetsSection(String dir) {
    this(dir, null);
  }

  public static AssetsSection defaults() {
    return new AssetsSection(null, null);
  }

  /** The Hub repo and revision of an {@code hf://} source ({@code ORG/NAME@REV}); "" if none. */
  public String hubRef() {
    if (source.isEmpty()) {
      return "";
    }
    String ref = source.substring(HF_SCHEME.length());
    return ref.contains("@") ? ref : ref + "@main";
  }
}
