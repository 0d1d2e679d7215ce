package dev.orchestrate.hub;

import java.util.regex.Pattern;

/**
 * A model repository and the revision asked for: {@code org/name[@revision]}, or the profile form
 * {@code hf://org/name[@revision]}. The revision is a branch, a tag or a commit; {@code main} when
 * left out.
 */
public record RepoRef(String repo, String revision) {
  public static final String SCHEME = "hf://";
  public static final String DEFAULT_REVISION = "main";
  private static final Pattern REPO =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

  public RepoRef {
    if (repo == null || !REPO.matcher(repo).matches() || repo.contains("..")) {
      throw new HubException(
          HubException.Kind.USAGE,
          "'" + repo + "' is not a Hub model repository",
          "name it as org/name, e.g. allenai/OLMo-2-0425-1B");
    }
    revision = revision == null || revision.isBlank() ? DEFAULT_REVISION : revision;
    if (!REVISION.matcher(revision).matches() || revision.contains("..")) {
      throw new HubException(
          HubException.Kind.USAGE,
          "'" + revision + "' is not a revision",
          "use a branch (main), a tag, or a 40-character commit id");
    }
  }

  /** Parses {@code org/name[@rev]} or {@code hf://org/name[@rev]}. */
  public static RepoRef parse(String text) {
    String s = text == null ? "" : text.strip();
    if (s.startsWith(SCHEME)) {
      s = s.substring(SCHEME.length());
    }
    int at = s.indexOf('@');
    return at < 0 ? new RepoRef(s, null) : new RepoRef(s.substring(0, at), s.substring(at + 1));
  }

  /** Whether the revision already names a commit (nothing to resolve). */
  public boolean isCommit() {
    return COMMIT.matcher(revision).matches();
  }

  /** The folder name huggingface_hub's cache uses: {@code models--org--name}. */
  public String cacheFolder() {
    return "models--" + repo.replace("/", "--");
  }

  @Override
  public String toString() {
    return repo + "@" + revision;
  }
}
