package dev.orchestrate.engine.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.generate.SamplingParams;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfRunnerTest {
  @TempDir Path dir;

  /** A stand-in interpreter that records its arguments and the script it was given. */
  private Path fakePython(int exitCode) throws IOException {
    Path log = dir.resolve("args.txt");
    Path fake = dir.resolve("python");
    Files.writeString(
        fake,
        "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > "
            + log
            + "\nhead -c 200 \"$1\" >> "
            + log
            + "\nexit "
            + exitCode
            + "\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    return fake;
  }

  @Test
  void passesEveryOptionToTheBundledProgramAndReturnsItsExitCode() throws IOException {
    Path fake = fakePython(7);
    PrintStream err = new PrintStream(new ByteArrayOutputStream());
    int code =
        new HfRunner(fake.toString(), err)
            .generate(Path.of("snap"), "Hi there", 12, new SamplingParams(0.7, 0.9, 40, 3));
    assertEquals(7, code);
    String args = Files.readString(dir.resolve("args.txt"));
    assertTrue(args.contains("--snapshot\nsnap\n--prompt\nHi there\n--max-new-tokens\n12\n"), args);
    assertTrue(args.contains("--temperature\n0.7\n--top-p\n0.9\n--top-k\n40\n--seed\n3\n"), args);
    assertTrue(args.contains("The engine's `hf` backend"), "the script was extracted: " + args);
  }

  @Test
  void missingInterpreterIsAClearError() {
    PrintStream err = new PrintStream(new ByteArrayOutputStream());
    EngineException e =
        assertThrows(
            EngineException.class,
            () ->
                new HfRunner(dir.resolve("nope").toString(), err)
                    .generate(Path.of("s"), "x", 1, SamplingParams.greedy()));
    assertTrue(e.hint().contains("ENGINE_PYTHON"), e.hint());
  }
}
