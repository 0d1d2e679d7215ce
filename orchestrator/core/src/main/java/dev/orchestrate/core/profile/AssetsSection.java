package dev.orchestrate.core.profile;

import java.util.regex.Pattern;

/**
 * The staged model snapshot ({@code assets}); {@code dir} is relative to the project folder. {@code
 * source}, when set, says where the weights come from: {@code hf://ORG/NAME[@REVISION]} (a model on
 * the Hugging Face Hub, pulled, pinned and verified by {@code assets pull}); empty keeps the folder
 * as staged by hand or by {@code engine.snapshotCommand}. {@code fetch} says who downloads an
 * {@code hf://} source: {@code local} (this host pulls, sync uploads), {@code target} (the machine
 * pulls from the Hub itself), or empty for the target's default ({@link
 * #fetchesOnTarget(boolean)}).
 */
public record AssetsSection(String dir, String source, String fetch) {
  public static final String FETCH_LOCAL = "local";
  public static final String FETCH_TARGET = "target";

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
    fetch = fetch == null ? "" : fetch.strip();
    InvalidValue.check(
        fetch.isEmpty() || fetch.equals(FETCH_LOCAL) || fetch.equals(FETCH_TARGET),
        "fetch",
        "expected local (this host pulls, sync uploads) or target (the machine pulls from the"
            + " Hub)");
    InvalidValue.check(
        !fetch.equals(FETCH_TARGET) || !source.isEmpty(),
        "fetch",
        "target needs assets.source: hf://ORG/NAME[@REVISION] (only the Hub can be fetched on"
            + " the machine)");
  }

  public AssetsSection(String dir, String source) {
    this(dir, source, null);
  }

  public AssetsSection(String dir) {
    this(dir, null, null);
  }

  public static AssetsSection defaults() {
    return new AssetsSection(null, null, null);
  }

  /**
   * Whether the machine pulls the weights from the Hub itself: {@code fetch: target}, or, unset,
   * the target's default ({@code remoteByDefault}: true for rented machines) for an {@code hf://}
   * source. Never without a Hub source.
   */
  public boolean fetchesOnTarget(boolean remoteByDefault) {
    if (source.isEmpty()) {
      return false;
    }
    return fetch.isEmpty() ? remoteByDefault : fetch.equals(FETCH_TARGET);
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
