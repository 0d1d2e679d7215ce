package dev.orchestrate.hubsim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A simulated model repo: commits (each a folder's files; the commit id is the sha1 over their
 * paths and blob ids, so the same folder always gives the same commit), branches pointing at
 * commits, and whether it is gated (answers 401 without the simulator's token).
 */
public final class SimRepo {
  private final String name;
  private final boolean gated;
  private final Map<String, Map<String, SimFile>> commits = new LinkedHashMap<>();
  private final Map<String, String> branches = new LinkedHashMap<>();

  public SimRepo(String name, boolean gated) {
    this.name = name;
    this.gated = gated;
  }

  public String name() {
    return name;
  }

  public boolean gated() {
    return gated;
  }

  /** Adds the files of {@code dir} (recursively) as a commit that {@code branch} points at. */
  public synchronized String addCommit(String branch, Path dir) throws IOException {
    Map<String, SimFile> files = new TreeMap<>();
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path p : paths) {
      List<String> parts = new ArrayList<>();
      dir.relativize(p).forEach(x -> parts.add(x.toString()));
      String rel = String.join("/", parts);
      if (!rel.startsWith(".")) {
        files.put(rel, SimFile.of(rel, p));
      }
    }
    String commit = commitId(files);
    commits.put(commit, Collections.unmodifiableMap(files));
    branches.put(branch, commit);
    return commit;
  }

  /** The commit a branch, tag or commit id names. */
  public synchronized Optional<String> resolve(String revision) {
    if (commits.containsKey(revision)) {
      return Optional.of(revision);
    }
    return Optional.ofNullable(branches.get(revision));
  }

  public synchronized Map<String, SimFile> files(String commit) {
    return commits.getOrDefault(commit, Map.of());
  }

  /** Every file of every commit whose sha256 is {@code sha256} (what the CDN serves). */
  public synchronized Optional<SimFile> blob(String sha256) {
    return commits.values().stream()
        .flatMap(m -> m.values().stream())
        .filter(f -> f.sha256().equals(sha256))
        .findFirst();
  }

  private static String commitId(Map<String, SimFile> files) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-1");
      files
          .values()
          .forEach(
              f -> d.update((f.path() + " " + f.blobId() + "\n").getBytes(StandardCharsets.UTF_8)));
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
