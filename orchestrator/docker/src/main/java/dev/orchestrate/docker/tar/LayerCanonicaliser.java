package dev.orchestrate.docker.tar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Rewrites a layer tar that a daemon produced (a classic build, {@code docker save}, a copy out of
 * a container) into the canonical form, so that the same file tree gives the same bytes whichever
 * storage driver or host made it:
 *
 * <ul>
 *   <li>entries sorted by path, parents explicit, one fixed mtime, empty owner names (Debian's
 *       dockerd writes the host's account names into headers), numeric ids and permission bits
 *       kept;
 *   <li>whiteouts ({@code .wh.*}) become empty regular files with mode 0 and owner 0: overlay2
 *       emits them as 0600 hard links to one another, vfs as mode 0 files;
 *   <li>hard-link groups are re-anchored on the member that sorts first;
 *   <li>only extended attributes survive among the PAX records (no atime, ctime or tool records).
 * </ul>
 *
 * Opaque markers ({@code .wh..wh..opq}) are kept but counted: overlay2 writes them where vfs does
 * not, so a layer with one may not match across drivers.
 */
public final class LayerCanonicaliser {
  /** The whiteout prefix of the OCI/Docker layer format. */
  public static final String WHITEOUT = ".wh.";

  /** The opaque-directory marker. */
  public static final String OPAQUE = ".wh..wh..opq";

  /** What canonicalisation produced. */
  public record Result(LayerDigest digest, int entries, int opaqueMarkers) {}

  private final LayerTar writer;
  private final Path spoolDir;

  public LayerCanonicaliser(LayerTar writer, Path spoolDir) {
    this.writer = writer;
    this.spoolDir = spoolDir;
  }

  /** Canonicalises {@code in} into {@code out} (left open), keeping paths as they are. */
  public Result canonicalise(InputStream in, OutputStream out) throws IOException {
    return canonicalise(in, out, Optional::of);
  }

  /**
   * Canonicalises {@code in} into {@code out}; {@code rename} maps each normalised path to its path
   * in the layer, or to empty to drop the entry (e.g. re-rooting {@code venv/...} at {@code
   * opt/venv/...}).
   */
  public Result canonicalise(
      InputStream in, OutputStream out, Function<String, Optional<String>> rename)
      throws IOException {
    Files.createDirectories(spoolDir);
    Path spool = Files.createTempFile(spoolDir, "layer-", ".spool");
    try (FileChannel ch =
        FileChannel.open(spool, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
      List<TarEntry> entries = read(in, ch, spool, rename);
      int opaque = (int) entries.stream().filter(e -> e.baseName().equals(OPAQUE)).count();
      LayerDigest digest = writer.write(entries, out);
      return new Result(digest, entries.size(), opaque);
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  private List<TarEntry> read(
      InputStream in,
      FileChannel spoolChannel,
      Path spool,
      Function<String, Optional<String>> rename)
      throws IOException {
    Map<String, TarEntry> byPath = new LinkedHashMap<>();
    Map<String, String> linkTargets = new HashMap<>();
    OutputStream spoolOut = Channels.newOutputStream(spoolChannel);
    TarArchiveInputStream tar = new TarArchiveInputStream(in, "UTF-8");
    byte[] buf = new byte[1 << 16];
    long offset = 0;
    for (TarArchiveEntry h; (h = tar.getNextEntry()) != null; ) {
      Optional<String> mapped = rename.apply(TarEntry.normalise(h.getName()));
      if (mapped.isEmpty() || TarEntry.normalise(mapped.get()).isEmpty()) {
        continue;
      }
      String path = TarEntry.normalise(mapped.get());
      String base = path.substring(path.lastIndexOf('/') + 1);
      if (base.startsWith(WHITEOUT)) {
        byPath.put(path, whiteout(path));
        continue;
      }
      Map<String, String> xattrs = new TreeMap<>();
      h.getExtraPaxHeaders()
          .forEach(
              (k, v) -> {
                if (k.startsWith("SCHILY.xattr.") || k.startsWith("LIBARCHIVE.xattr.")) {
                  xattrs.put(k, v);
                }
              });
      TarEntry.Type type = typeOf(h);
      Content content = Content.EMPTY;
      String link = "";
      if (type == TarEntry.Type.FILE) {
        long start = offset;
        for (int n; (n = tar.read(buf)) > 0; ) {
          spoolOut.write(buf, 0, n);
          offset += n;
        }
        content = new SpoolContent(spool, start, offset - start);
      } else if (type == TarEntry.Type.HARDLINK) {
        Optional<String> target = rename.apply(TarEntry.normalise(h.getLinkName()));
        link = TarEntry.normalise(target.orElse(h.getLinkName()));
        linkTargets.put(path, link);
      } else if (type == TarEntry.Type.SYMLINK) {
        link = h.getLinkName();
      }
      byPath.put(
          path,
          new TarEntry(
              path,
              type,
              h.getMode(),
              (int) h.getLongUserId(),
              (int) h.getLongGroupId(),
              link,
              content,
              h.getDevMajor(),
              h.getDevMinor(),
              xattrs));
    }
    spoolOut.flush();
    reanchorHardLinks(byPath, linkTargets);
    return new ArrayList<>(byPath.values());
  }

  /** Makes the member of each hard-link group that sorts first hold the data. */
  private static void reanchorHardLinks(Map<String, TarEntry> byPath, Map<String, String> links) {
    Map<String, List<String>> groups = new HashMap<>();
    links.forEach(
        (linkPath, target) -> {
          if (byPath.get(linkPath).type() == TarEntry.Type.HARDLINK) {
            groups.computeIfAbsent(target, t -> new ArrayList<>(List.of(t))).add(linkPath);
          }
        });
    for (Map.Entry<String, List<String>> group : groups.entrySet()) {
      TarEntry data = byPath.get(group.getKey());
      if (data == null || data.type() != TarEntry.Type.FILE) {
        // a whiteout or a missing target: the links carry no data of their own, so keep them as
        // empty files rather than write a dangling link
        for (String member : group.getValue()) {
          if (byPath.get(member) != null && byPath.get(member).type() == TarEntry.Type.HARDLINK) {
            byPath.put(member, whiteoutLike(byPath.get(member)));
          }
        }
        continue;
      }
      List<String> members = new ArrayList<>(group.getValue());
      members.sort(LayerTar.PATH_ORDER);
      String anchor = members.get(0);
      byPath.put(anchor, data.withPath(anchor));
      for (String member : members.subList(1, members.size())) {
        byPath.put(
            member,
            new TarEntry(
                member,
                TarEntry.Type.HARDLINK,
                data.mode(),
                data.uid(),
                data.gid(),
                anchor,
                Content.EMPTY,
                0,
                0,
                data.paxHeaders()));
      }
    }
  }

  private static TarEntry whiteout(String path) {
    return TarEntry.file(path, 0, Content.EMPTY);
  }

  private static TarEntry whiteoutLike(TarEntry e) {
    return new TarEntry(
        e.path(), TarEntry.Type.FILE, e.mode(), e.uid(), e.gid(), "", Content.EMPTY, 0, 0, null);
  }

  private static TarEntry.Type typeOf(TarArchiveEntry h) throws IOException {
    if (h.isDirectory()) {
      return TarEntry.Type.DIRECTORY;
    } else if (h.isSymbolicLink()) {
      return TarEntry.Type.SYMLINK;
    } else if (h.isLink()) {
      return TarEntry.Type.HARDLINK;
    } else if (h.isCharacterDevice()) {
      return TarEntry.Type.CHAR_DEVICE;
    } else if (h.isBlockDevice()) {
      return TarEntry.Type.BLOCK_DEVICE;
    } else if (h.isFIFO()) {
      return TarEntry.Type.FIFO;
    } else if (h.isFile()) {
      return TarEntry.Type.FILE;
    }
    throw new IOException(
        "unsupported tar entry type '" + (char) h.getLinkFlag() + "' for " + h.getName());
  }

  /** A region of the spool file. */
  private record SpoolContent(Path spool, long offset, long length) implements Content {
    @Override
    public long size() {
      return length;
    }

    @Override
    public InputStream open() throws IOException {
      FileChannel ch = FileChannel.open(spool, StandardOpenOption.READ);
      ch.position(offset);
      InputStream raw = Channels.newInputStream(ch);
      return new InputStream() {
        private long left = length;

        @Override
        public int read() throws IOException {
          if (left <= 0) {
            return -1;
          }
          int b = raw.read();
          if (b >= 0) {
            left--;
          }
          return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (left <= 0) {
            return -1;
          }
          int n = raw.read(b, off, (int) Math.min(len, left));
          if (n > 0) {
            left -= n;
          }
          return n;
        }

        @Override
        public void close() throws IOException {
          raw.close();
        }
      };
    }
  }
}
