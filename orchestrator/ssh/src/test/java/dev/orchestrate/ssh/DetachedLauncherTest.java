package dev.orchestrate.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.transport.Transport;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class DetachedLauncherTest {
  @TempDir Path tmp;

  /** A launch asked again (its connection dropped) must not start the process a second time. */
  @Test
  void launchingARunAgainStartsItOnce() throws Exception {
    try (SshFixture f = new SshFixture(tmp);
        Transport t = f.connect()) {
      DetachedLauncher launcher =
          new DetachedLauncher(".orchestrate/runs", SshFixture.fastRetrier());
      String command = "echo started >> starts.txt; sleep 2";
      RemoteRun first = launcher.launch(t, "run-once", ".", command, Map.of());
      RemoteRun again = launcher.launch(t, "run-once", ".", command, Map.of());
      assertTrue(first.pid() > 0);
      assertEquals(first.pid(), again.pid(), "the second launch reports the first's process");
      Thread.sleep(300);
      assertEquals("started", t.run("cat starts.txt").stdout().trim(), "started once");
      RemoteRun other = launcher.launch(t, "run-two", ".", command, Map.of());
      assertTrue(other.pid() != first.pid(), "another run id starts anew");
    }
  }
}
