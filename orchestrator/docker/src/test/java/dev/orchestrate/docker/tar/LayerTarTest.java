package dev.orchestrate.docker.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

class LayerTarTest {
  static final Instant SDE = Instant.ofEpochSecond(1767225600);

  static List<TarEntry> sample() {
    return List.of(
        TarEntry.file("opt/app/run.sh", 0755, Content.text("#!/bin/sh\necho hi\n")),
        TarEntry.file("opt/app/lib/a-b.jar", 0644, Content.text("jar")),
        TarEntry.file("opt/app/lib/a/b.txt", 0644, Content.text("b")),
        TarEntry.symlink("usr/bin/run", "/opt/app/run.sh"),
        TarEntry.file("etc/h\u00e9llo", 0600, Content.text("non-ascii name"))
            .withOwner(1000, 1000));
  }

  static byte[] write(List<TarEntry> entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new LayerTar(SDE).write(entries, out);
    return out.toByteArray();
  }

  @Test
  void inputOrderDoesNotMatter() throws IOException {
    List<TarEntry> shuffled = new ArrayList<>(sample());
    Collections.reverse(shuffled);
    assertArrayEquals(write(sample()), write(shuffled));
  }

  @Test
  void goldenDigest() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LayerDigest d = new LayerTar(SDE).write(sample(), out);
    assertEquals("sha256:" + Sha256.hex(out.toByteArray()), d.diffId());
    assertEquals(out.size(), d.size());
    // Pinned: a change here changes every image we build. Update only on purpose.
    assertEquals(GOLDEN, d.diffId());
  }

  static final String GOLDEN =
      "sha256:10e0b30c7f87c5e075b039c135892db1259ffb2a22ebe29c50813fdddec7cb26";

  @Test
  void headersAreFixedSortedAndParentsExplicit() throws IOException {
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(write(sample())))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName());
        assertEquals(SDE.getEpochSecond(), e.getModTime().toInstant().getEpochSecond());
        assertEquals("", e.getUserName());
        assertEquals("", e.getGroupName());
        assertEquals(null, e.getLastAccessTime());
      }
    }
    assertEquals(
        List.of(
            "etc/",
            "etc/h\u00e9llo",
            "opt/",
            "opt/app/",
            "opt/app/lib/",
            "opt/app/lib/a/",
            "opt/app/lib/a-b.jar",
            "opt/app/lib/a/b.txt",
            "opt/app/run.sh",
            "usr/",
            "usr/bin/",
            "usr/bin/run"),
        names);
  }

  @Test
  void hardLinkMustPointBackwards() {
    List<TarEntry> entries =
        List.of(
            TarEntry.file("b", 0644, Content.text("x")),
            new TarEntry("a", TarEntry.Type.HARDLINK, 0644, 0, 0, "b", null, 0, 0, null));
    assertThrows(IllegalArgumentException.class, () -> LayerTar.arrange(entries));
  }

  @Test
  void normalisesPaths() {
    assertEquals("a/b", TarEntry.normalise("./a//b/"));
    assertEquals("a", TarEntry.normalise("/a"));
    assertEquals("", TarEntry.normalise("./"));
  }
}
