package dev.orchestrate.docker.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two daemons' views of the same tree must canonicalise to the same bytes. */
class LayerCanonicaliserTest {
  @TempDir Path tmp;

  /** How overlay2 on Debian writes it: walk order, host names, 0600 whiteouts hard-linked. */
  static byte[] overlayStyle() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      dir(tar, "demo/", 1700000001L, "root");
      file(tar, "demo/x.py", "print(1)", 1700000002L, "cloudsdk", 1000);
      dir(tar, "demo-1.0.dist-info/", 1700000003L, "root");
      file(tar, "demo-1.0.dist-info/RECORD", "r", 1700000004L, "root", 0);
      file(tar, "tmp/.wh.a", "", 1700000005L, "root", 0, 0600);
      link(tar, "tmp/.wh.b", "tmp/.wh.a");
      file(tar, "usr/bin/tool", "bin", 1700000006L, "root", 0);
      link(tar, "usr/bin/alias", "usr/bin/tool");
    }
    return out.toByteArray();
  }

  /**
   * How vfs writes it: sorted, no names, mode-0 whiteouts, other times; link anchored elsewhere.
   */
  static byte[] vfsStyle() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      dir(tar, "demo-1.0.dist-info/", 1800000000L, "");
      file(tar, "demo-1.0.dist-info/RECORD", "r", 1800000000L, "", 0);
      dir(tar, "demo/", 1800000000L, "");
      file(tar, "demo/x.py", "print(1)", 1800000000L, "", 1000);
      file(tar, "tmp/.wh.a", "", 1800000000L, "", 0, 0);
      file(tar, "tmp/.wh.b", "", 1800000000L, "", 0, 0);
      file(tar, "usr/bin/alias", "bin", 1800000000L, "", 0);
      link(tar, "usr/bin/tool", "usr/bin/alias");
    }
    return out.toByteArray();
  }

  byte[] canonical(byte[] layer) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new LayerCanonicaliser(new LayerTar(Instant.ofEpochSecond(1767225600)), tmp)
        .canonicalise(new ByteArrayInputStream(layer), out);
    return out.toByteArray();
  }

  @Test
  void overlayAndVfsViewsMatch() throws IOException {
    assertNotEquals(Sha256.hex(overlayStyle()), Sha256.hex(vfsStyle()));
    assertArrayEquals(canonical(overlayStyle()), canonical(vfsStyle()));
  }

  @Test
  void canonicalIsAFixedPoint() throws IOException {
    byte[] once = canonical(overlayStyle());
    assertArrayEquals(once, canonical(once));
  }

  @Test
  void whiteoutsArePlainEmptyFilesAndLinksAnchorFirst() throws IOException {
    List<String> seen = new ArrayList<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(canonical(overlayStyle())))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        String kind = e.isLink() ? "link->" + e.getLinkName() : e.isDirectory() ? "dir" : "file";
        seen.add(e.getName() + " " + kind + " " + Integer.toOctalString(e.getMode()));
      }
    }
    assertEquals(
        List.of(
            "demo/ dir 755",
            "demo-1.0.dist-info/ dir 755",
            "demo-1.0.dist-info/RECORD file 644",
            "demo/x.py file 644",
            "tmp/ dir 755",
            "tmp/.wh.a file 0",
            "tmp/.wh.b file 0",
            "usr/ dir 755",
            "usr/bin/ dir 755",
            "usr/bin/alias file 755",
            "usr/bin/tool link->usr/bin/alias 755"),
        seen);
  }

  @Test
  void rerootsAndDrops() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new LayerCanonicaliser(new LayerTar(Instant.ofEpochSecond(1)), tmp)
        .canonicalise(
            new ByteArrayInputStream(vfsStyle()),
            out,
            p -> p.startsWith("tmp") ? Optional.empty() : Optional.of("opt/venv/" + p));
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName() + (e.isLink() ? "->" + e.getLinkName() : ""));
      }
    }
    assertEquals("opt/", names.get(0));
    assertEquals(true, names.contains("opt/venv/usr/bin/tool->opt/venv/usr/bin/alias"));
    assertEquals(false, names.stream().anyMatch(n -> n.contains("tmp")));
  }

  private static void dir(TarArchiveOutputStream tar, String name, long mtime, String user)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_DIR);
    e.setMode(0755);
    e.setModTime(FileTime.from(Instant.ofEpochSecond(mtime)));
    e.setUserName(user);
    e.setGroupName(user);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  private static void file(
      TarArchiveOutputStream tar, String name, String data, long mtime, String user, int uid)
      throws IOException {
    file(tar, name, data, mtime, user, uid, name.startsWith("usr/") ? 0755 : 0644);
  }

  private static void file(
      TarArchiveOutputStream tar,
      String name,
      String data,
      long mtime,
      String user,
      int uid,
      int mode)
      throws IOException {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(mode);
    e.setSize(bytes.length);
    e.setIds(uid, uid);
    e.setModTime(FileTime.from(Instant.ofEpochSecond(mtime)));
    e.setLastAccessTime(FileTime.from(Instant.ofEpochSecond(mtime + 7)));
    e.setUserName(user);
    e.setGroupName(user);
    tar.putArchiveEntry(e);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  private static void link(TarArchiveOutputStream tar, String name, String target)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK);
    e.setLinkName(target);
    e.setMode(0755);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }
}
