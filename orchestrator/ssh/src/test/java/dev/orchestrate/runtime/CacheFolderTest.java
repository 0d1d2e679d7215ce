package dev.orchestrate.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheFolderTest {
  @TempDir Path dir;

  @Test
  void deletesATreeButNotWhatItsLinksPointAt() throws Exception {
    Path kept = Files.writeString(dir.resolve("kept.jar"), "jar");
    Path stage = Files.createDirectories(dir.resolve("stage/lib"));
    Files.writeString(stage.resolve("a.txt"), "a");
    Files.createSymbolicLink(stage.resolve("kept.jar"), kept);
    CacheFolder.deleteTree(dir.resolve("stage"));
    assertFalse(Files.exists(dir.resolve("stage")));
    assertEquals("jar", Files.readString(kept));
    CacheFolder.deleteTree(dir.resolve("never-made")); // nothing to do, no complaint
  }

  @Test
  void listsAllButTheNewestOfTheEntriesAsked() throws Exception {
    Path oldest = touch("a.tar", 100);
    Path newest = touch("b.tar", 300);
    Path middle = touch("c.tar", 200);
    touch("other", 400);
    assertEquals(
        List.of(middle, oldest),
        CacheFolder.allButNewest(dir, p -> p.getFileName().toString().endsWith(".tar")));
    assertTrue(CacheFolder.allButNewest(dir, p -> p.equals(newest)).isEmpty());
  }

  private Path touch(String name, long seconds) throws Exception {
    Path f = Files.writeString(dir.resolve(name), name);
    Files.setLastModifiedTime(f, FileTime.from(Instant.ofEpochSecond(seconds)));
    return f;
  }
}
