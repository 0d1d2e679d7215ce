package dev.orchestrate.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher on the machine picks the shipped runtime, else the machine's java when it is 17+,
 * and says why it cannot start otherwise. The script really runs, with stand-in javas on a PATH
 * that holds only what the launcher needs.
 */
class LauncherTest {
  @TempDir Path dir;
  private Path runtime;
  private Path path;

  @BeforeEach
  void layout() throws IOException {
    runtime = Files.createDirectories(dir.resolve("engine"));
    Files.createDirectories(runtime.resolve("classes"));
    Files.createDirectories(runtime.resolve("lib"));
    script(runtime.resolve("bin/engine"), EngineRuntime.LAUNCHER);
    path = Files.createDirectories(dir.resolve("path"));
    for (String tool : new String[] {"dirname", "head", "sed"}) {
      Path real = Path.of("/usr/bin", tool);
      Files.createSymbolicLink(
          path.resolve(tool), Files.exists(real) ? real : Path.of("/bin", tool));
    }
  }

  private static void script(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String fakeJava(String name, String version) {
    return "#!/bin/sh\n"
        + "if [ \"$1\" = -version ]; then echo 'Picked up JAVA_TOOL_OPTIONS: -Xmx1g' >&2;"
        + " echo 'openjdk version \""
        + version
        + "\" 2025-01-01' >&2; exit 0; fi\n"
        + "echo "
        + name
        + " \"$@\"\n";
  }

  private void shipped() throws IOException {
    script(runtime.resolve("jre/bin/java"), fakeJava("shipped-java", "17.0.15"));
  }

  private void machineJava(String version) throws IOException {
    script(path.resolve("java"), fakeJava("machine-java", version));
  }

  private record Run(int exit, String out) {}

  private Run launch() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("/bin/sh", runtime.resolve("bin/engine").toString(), "--help")
            .redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().put("PATH", path.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    return new Run(p.exitValue(), out);
  }

  @Test
  void theShippedRuntimeWinsOverTheMachinesJava() throws Exception {
    shipped();
    machineJava("21.0.2");
    Run r = launch();
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().startsWith("shipped-java -cp " + runtime), r.out());
    assertTrue(r.out().endsWith("dev.orchestrate.engine.cli.EngineCli --help"), r.out());
  }

  @Test
  void anOldMachineJavaIsNeverPickedOverTheShippedOne() throws Exception {
    shipped();
    machineJava("11.0.22");
    assertTrue(launch().out().startsWith("shipped-java "));
  }

  /** Every fake java prints "Picked up JAVA_TOOL_OPTIONS" first, as a JVM does when it is set. */
  @Test
  void withoutAShippedRuntimeAMachineJava17Runs() throws Exception {
    machineJava("17.0.2");
    Run r = launch();
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().startsWith("machine-java -cp "), r.out());
  }

  @Test
  void withoutAShippedRuntimeAnOldOrMissingJavaIsRefused() throws Exception {
    machineJava("1.8.0_292");
    Run old = launch();
    assertEquals(127, old.exit(), old.out());
    assertTrue(old.out().contains("older than 17") && old.out().contains("8.0_292"), old.out());
    Files.delete(path.resolve("java"));
    Run none = launch();
    assertEquals(127, none.exit(), none.out());
    assertTrue(none.out().contains("no java on this machine"), none.out());
  }
}
