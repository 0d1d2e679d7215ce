package dev.orchestrate.docker.tar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a layer tar whose bytes depend only on the entries given, never on the order they came in,
 * the machine, the user or the clock: parent directories are added explicitly (0755, root), entries
 * are sorted by the UTF-8 bytes of their path, every mtime is the one fixed {@code mtime}, owner
 * names are empty (numeric ids are kept), no atime or ctime is written, long names use PAX. The
 * rules of Jib's reproducible layers, done in our own words.
 */
public final class LayerTar {
  /** Path order: the UTF-8 bytes compared unsigned, so the order is the same in every locale. */
  public static final Comparator<String> PATH_ORDER =
      (a, b) ->
          Arrays.compareUnsigned(
              a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  private final Instant mtime;

  public LayerTar(Instant mtime) {
    this.mtime = Objects.requireNonNull(mtime, "mtime");
  }

  /**
   * The entries exactly as they will be written: parents added, duplicates resolved (the last one
   * given wins), sorted. Fails when a hard link points at an entry that is missing or sorts after
   * it.
   */
  public static List<TarEntry> arrange(Collection<TarEntry> entries) {
    Map<String, TarEntry> byPath = new LinkedHashMap<>();
    for (TarEntry e : entries) {
      byPath.put(e.path(), e);
    }
    for (TarEntry e : List.copyOf(byPath.values())) {
      for (String p = e.parent(); !p.isEmpty(); p = TarEntry.parentOf(p)) {
        byPath.putIfAbsent(p, TarEntry.directory(p, 0755));
      }
    }
    List<TarEntry> sorted = new ArrayList<>(byPath.values());
    sorted.sort(Comparator.comparing(TarEntry::path, PATH_ORDER));
    for (TarEntry e : sorted) {
      if (e.type() == TarEntry.Type.HARDLINK) {
        String target = TarEntry.normalise(e.linkName());
        TarEntry t = byPath.get(target);
        if (t == null || PATH_ORDER.compare(target, e.path()) >= 0) {
          throw new IllegalArgumentException(
              e.path() + ": hard link to " + target + ", which is missing or sorts after it");
        }
      }
    }
    return sorted;
  }

  /** Writes the layer to {@code out} (left open) and returns its diffID and size. */
  public LayerDigest write(Collection<TarEntry> entries, OutputStream out) throws IOException {
    Sha256.HashingOutputStream hashing = new Sha256.HashingOutputStream(out);
    TarArchiveOutputStream tar = new TarArchiveOutputStream(hashing, "UTF-8");
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
    byte[] buf = new byte[1 << 16];
    for (TarEntry e : arrange(entries)) {
      tar.putArchiveEntry(header(e));
      if (e.type() == TarEntry.Type.FILE) {
        long copied = 0;
        try (InputStream in = e.content().open()) {
          for (int n; (n = in.read(buf)) > 0; ) {
            tar.write(buf, 0, n);
            copied += n;
          }
        }
        if (copied != e.content().size()) {
          throw new IOException(
              e.path()
                  + " changed while the layer was written ("
                  + copied
                  + " bytes, expected "
                  + e.content().size()
                  + ")");
        }
      }
      tar.closeArchiveEntry();
    }
    tar.finish();
    tar.flush();
    return hashing.digest();
  }

  private TarArchiveEntry header(TarEntry e) {
    TarArchiveEntry h =
        switch (e.type()) {
          case DIRECTORY -> new TarArchiveEntry(e.path() + "/", TarConstants.LF_DIR, false);
          case FILE -> new TarArchiveEntry(e.path(), TarConstants.LF_NORMAL, false);
          case SYMLINK -> new TarArchiveEntry(e.path(), TarConstants.LF_SYMLINK, false);
          case HARDLINK -> new TarArchiveEntry(e.path(), TarConstants.LF_LINK, false);
          case CHAR_DEVICE -> new TarArchiveEntry(e.path(), TarConstants.LF_CHR, false);
          case BLOCK_DEVICE -> new TarArchiveEntry(e.path(), TarConstants.LF_BLK, false);
          case FIFO -> new TarArchiveEntry(e.path(), TarConstants.LF_FIFO, false);
        };
    h.setMode(e.mode());
    h.setIds(e.uid(), e.gid());
    h.setNames("", "");
    h.setModTime(FileTime.from(mtime));
    if (e.type() == TarEntry.Type.SYMLINK) {
      h.setLinkName(e.linkName());
    } else if (e.type() == TarEntry.Type.HARDLINK) {
      h.setLinkName(TarEntry.normalise(e.linkName()));
    }
    if (e.type() == TarEntry.Type.CHAR_DEVICE || e.type() == TarEntry.Type.BLOCK_DEVICE) {
      h.setDevMajor(e.devMajor());
      h.setDevMinor(e.devMinor());
    }
    h.setSize(e.type() == TarEntry.Type.FILE ? e.content().size() : 0);
    e.paxHeaders().forEach(h::addPaxHeader);
    return h;
  }
}
