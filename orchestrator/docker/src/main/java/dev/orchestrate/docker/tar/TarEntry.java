package dev.orchestrate.docker.tar;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One entry of a layer tar as we want it written: a normalised relative path ({@code usr/bin/x}: no
 * leading slash or {@code ./}, no trailing slash), its type, permission bits, numeric owner and
 * content. Times and owner names are not part of an entry: {@link LayerTar} fixes them for every
 * entry alike.
 */
public record TarEntry(
    String path,
    Type type,
    int mode,
    int uid,
    int gid,
    String linkName,
    Content content,
    int devMajor,
    int devMinor,
    Map<String, String> paxHeaders) {

  /** What kind of file an entry is. */
  public enum Type {
    DIRECTORY,
    FILE,
    SYMLINK,
    HARDLINK,
    CHAR_DEVICE,
    BLOCK_DEVICE,
    FIFO
  }

  public TarEntry {
    path = normalise(path);
    Objects.requireNonNull(type, "type");
    if (path.isEmpty()) {
      throw new IllegalArgumentException("a tar entry needs a path below the root");
    }
    mode = mode & 07777;
    linkName = linkName == null ? "" : linkName;
    content = content == null ? Content.EMPTY : content;
    if (type != Type.FILE && content.size() != 0) {
      throw new IllegalArgumentException(path + ": only regular files carry content");
    }
    if ((type == Type.SYMLINK || type == Type.HARDLINK) && linkName.isEmpty()) {
      throw new IllegalArgumentException(path + ": a link needs a target");
    }
    paxHeaders = paxHeaders == null ? Map.of() : new TreeMap<>(paxHeaders);
  }

  public static TarEntry directory(String path, int mode) {
    return new TarEntry(path, Type.DIRECTORY, mode, 0, 0, "", Content.EMPTY, 0, 0, Map.of());
  }

  public static TarEntry file(String path, int mode, Content content) {
    return new TarEntry(path, Type.FILE, mode, 0, 0, "", content, 0, 0, Map.of());
  }

  public static TarEntry symlink(String path, String target) {
    return new TarEntry(path, Type.SYMLINK, 0777, 0, 0, target, Content.EMPTY, 0, 0, Map.of());
  }

  public TarEntry withOwner(int newUid, int newGid) {
    return new TarEntry(
        path, type, mode, newUid, newGid, linkName, content, devMajor, devMinor, paxHeaders);
  }

  public TarEntry withPath(String newPath) {
    return new TarEntry(
        newPath, type, mode, uid, gid, linkName, content, devMajor, devMinor, paxHeaders);
  }

  /** {@code ./a/b/}, {@code /a/b} and {@code a//b} all become {@code a/b}. */
  public static String normalise(String raw) {
    Objects.requireNonNull(raw, "path");
    String p = raw.replaceAll("/+", "/");
    while (p.startsWith("./") || p.startsWith("/")) {
      p = p.startsWith("./") ? p.substring(2) : p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.equals(".") ? "" : p;
  }

  /** The parent path, or empty for a top-level entry. */
  public String parent() {
    return parentOf(path);
  }

  /** The parent of a normalised path, or empty at the top. */
  public static String parentOf(String normalisedPath) {
    int slash = normalisedPath.lastIndexOf('/');
    return slash < 0 ? "" : normalisedPath.substring(0, slash);
  }

  /** The last path element. */
  public String baseName() {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
