package dev.orchestrate.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.KeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * First use of the project key from many threads at once (a fleet's machines on a fresh project):
 * one pair is made, and the public half everyone attaches is the private key's own.
 */
class ProjectKeyTest {
  @TempDir Path dir;

  @RepeatedTest(5)
  void manyThreadsOnAFreshProjectGetOneKeyWhosePublicHalfMatchesItsPrivateKey() throws Exception {
    Path key = dir.resolve("state/ssh/id_ed25519");
    int threads = 8;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<ProjectKey>> got = new ArrayList<>();
    try {
      for (int i = 0; i < threads; i++) {
        got.add(
            pool.submit(
                () -> {
                  go.await();
                  return ProjectKey.ensure(key, "orchestrate");
                }));
      }
      go.countDown();
      Set<String> lines = new HashSet<>();
      for (Future<ProjectKey> f : got) {
        lines.add(f.get(30, TimeUnit.SECONDS).publicKeyLine());
      }
      assertEquals(1, lines.size(), () -> "several keys: " + lines);
      String line = lines.iterator().next();
      assertEquals(line, Files.readString(Path.of(key + ".pub")).trim());
      KeyPair pair = KeyPair.load(new JSch(), key.toString());
      String fromPrivate = Base64.getEncoder().encodeToString(pair.getPublicKeyBlob());
      assertEquals(fromPrivate, line.split(" ")[1], "the .pub is the private key's own half");
      try (var files = Files.list(key.getParent())) {
        List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
        assertEquals(List.of(".id_ed25519.lock", "id_ed25519", "id_ed25519.pub"), names);
      }
      assertFalse(pair.isEncrypted());
    } finally {
      pool.shutdownNow();
    }
  }
}
