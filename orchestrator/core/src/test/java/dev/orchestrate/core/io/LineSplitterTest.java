package dev.orchestrate.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orchestrate.core.transport.LineOutput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aMultibyteCharacterSplitAcrossChunksComesOutWhole() {
    List<String> lines = new ArrayList<>();
    LineSplitter s = LineSplitter.ofText(lines::add);
    byte[] text = utf8("größe €5 ✓\nnext\n");
    // one byte at a time: every multibyte character is cut between chunks
    for (byte b : text) {
      s.accept(new byte[] {b});
    }
    assertEquals(List.of("größe €5 ✓", "next"), lines);
    // and cut inside the three bytes of the euro sign, with the line across two chunks
    lines.clear();
    byte[] euro = utf8("a€b\n");
    s.accept(euro, 0, 2);
    s.accept(euro, 2, euro.length - 2);
    assertEquals(List.of("a€b"), lines);
  }

  @Test
  void aChunkMayHoldSeveralLinesOrNoneAndTheLastPartialLineIsFlushed() {
    List<String> lines = new ArrayList<>();
    LineSplitter s = LineSplitter.ofText(lines::add);
    s.accept(utf8("one\r\ntwo\nthr"));
    assertEquals(List.of("one", "two"), lines);
    s.accept(utf8("ee"));
    assertEquals(List.of("one", "two"), lines, "no line before its end");
    s.accept(utf8("\n\nlast words"));
    assertEquals(List.of("one", "two", "three", ""), lines);
    s.flush();
    assertEquals(List.of("one", "two", "three", "", "last words"), lines);
    s.flush();
    assertEquals(5, lines.size(), "a flush delivers nothing twice");
  }

  @Test
  void rawLinesKeepTheirTerminatorAndADiscardedPartialIsGone() {
    List<byte[]> lines = new ArrayList<>();
    LineSplitter s = new LineSplitter(lines::add);
    s.accept(utf8("x\r\nhalf"));
    s.discard();
    s.accept(utf8("whole\n"));
    assertEquals(2, lines.size());
    assertArrayEquals(utf8("x\r\n"), lines.get(0));
    assertArrayEquals(utf8("whole\n"), lines.get(1));
    assertEquals("x", LineSplitter.text(lines.get(0)));
  }

  @Test
  void interleavedStdoutAndStderrStayApartAndKeepTheirLabels() {
    List<String> seen = new ArrayList<>();
    LineOutput o = new LineOutput((stream, line) -> seen.add(stream + ":" + line));
    byte[] out = utf8("progress 1/2 ✓\nprogress 2/2\n");
    byte[] err = utf8("warning: ünicode\nerror: last");
    // the two streams' chunks arrive interleaved, each cutting a line and a character
    o.stdout(out, 0, 14); // "progress 1/2 " and the first byte of ✓
    o.stderr(err, 0, 10); // "warning: " and the first byte of ü
    o.stdout(out, 14, 5);
    o.stderr(err, 10, err.length - 10);
    o.stdout(out, 19, out.length - 19);
    o.flush();
    assertEquals(
        List.of(
            "STDOUT:progress 1/2 ✓",
            "STDERR:warning: ünicode",
            "STDOUT:progress 2/2",
            "STDERR:error: last"),
        seen);
  }
}
