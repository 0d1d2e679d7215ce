package dev.orchestrate.core.profile;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every profile file we can see, in layers: the shipped ones (layer 0), then each folder given, in
 * order (by default {@code ~/.config/orchestrate/profiles/}, then {@code ./profiles/}). A profile
 * in a higher layer overrides a lower one of the same name; {@code extends: <its own name>} reaches
 * the one it overrides.
 */
public final class ProfileCatalog {
  /** A folder of user profiles and how to show it. */
  public record Folder(Path dir, String shownAs) {}

  private final TreeMap<String, List<ProfileDocument>> byName = new TreeMap<>();

  public ProfileCatalog(ClassLoader shipped, List<Folder> folders) {
    for (String name : ShippedProfiles.NAMES) {
      readShipped(shipped, name).ifPresent(this::add);
    }
    int layer = 1;
    for (Folder folder : folders) {
      readFolder(folder, layer++);
    }
  }

  /** The standard layers for a project folder and a user config home. */
  public static ProfileCatalog standard(Path projectDir, Path configHome) {
    return new ProfileCatalog(
        ProfileCatalog.class.getClassLoader(),
        List.of(
            new Folder(configHome.resolve("orchestrate/profiles"), null),
            new Folder(projectDir.resolve("profiles"), "profiles")));
  }

  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  /** The effective (highest-layer) document of {@code name}. */
  public Optional<ProfileDocument> find(String name) {
    List<ProfileDocument> docs = byName.get(name);
    return docs == null ? Optional.empty() : Optional.of(docs.get(docs.size() - 1));
  }

  /** The document {@code doc} overrides, if any. */
  public Optional<ProfileDocument> below(ProfileDocument doc) {
    List<ProfileDocument> docs = byName.getOrDefault(doc.name(), List.of());
    int i = docs.indexOf(doc);
    return i > 0 ? Optional.of(docs.get(i - 1)) : Optional.empty();
  }

  /** All documents of {@code name}, lowest layer first. */
  public List<ProfileDocument> layers(String name) {
    return List.copyOf(byName.getOrDefault(name, List.of()));
  }

  private void add(ProfileDocument doc) {
    byName.computeIfAbsent(doc.name(), n -> new ArrayList<>()).add(doc);
  }

  private static Optional<ProfileDocument> readShipped(ClassLoader loader, String name) {
    String resource = ShippedProfiles.RESOURCE_DIR + name + ".yaml";
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        return Optional.empty();
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return Optional.of(new ProfileDocument(name, "shipped " + name + ".yaml", 0, text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The file's text, but never more than one byte over {@link ProfileDocument#MAX_BYTES}: a larger
   * file is refused by the reader without being read whole.
   */
  private static String readBounded(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f)) {
      return new String(in.readNBytes(ProfileDocument.MAX_BYTES + 1), StandardCharsets.UTF_8);
    }
  }

  private void readFolder(Folder folder, int layer) {
    if (!Files.isDirectory(folder.dir())) {
      return;
    }
    try (Stream<Path> files = Files.list(folder.dir())) {
      for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
        String file = f.getFileName().toString();
        if (!Files.isRegularFile(f) || !(file.endsWith(".yaml") || file.endsWith(".yml"))) {
          continue;
        }
        String name = file.substring(0, file.lastIndexOf('.'));
        String shown = folder.shownAs() == null ? f.toString() : folder.shownAs() + "/" + file;
        add(new ProfileDocument(name, shown, layer, readBounded(f)));
      }
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.PROFILE,
          "cannot read profiles from " + folder.dir() + ": " + e.getMessage(),
          "check the folder's permissions",
          e);
    }
  }
}
