package dev.orchestrate.engine.hf;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.generate.SamplingParams;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --backend hf}: runs the bundled Python program (transformers' Olmo2ForCausalLM), which
 * streams the completion and prints the same metrics line. Python is {@code python3} unless {@code
 * ENGINE_PYTHON} names another interpreter.
 */
public final class HfRunner {
  static final String SCRIPT = "/dev/orchestrate/engine/hf/hf_generate.py";

  private final String python;
  private final PrintStream err;

  /**
   * @param python the interpreter to run (the CLI passes {@code $ENGINE_PYTHON} or python3)
   */
  public HfRunner(String python, PrintStream err) {
    this.python = python;
    this.err = err;
  }

  /** Runs the program with inherited standard streams; returns its exit code. */
  public int generate(Path snapshot, String prompt, int maxNewTokens, SamplingParams sampling) {
    Path script = extractScript();
    List<String> cmd = new ArrayList<>(List.of(python, script.toString()));
    cmd.addAll(
        List.of(
            "--snapshot", snapshot.toString(),
            "--prompt", prompt,
            "--max-new-tokens", Integer.toString(maxNewTokens),
            "--temperature", Double.toString(sampling.temperature()),
            "--top-p", Double.toString(sampling.topP()),
            "--top-k", Integer.toString(sampling.topK()),
            "--seed", Long.toString(sampling.seed())));
    try {
      Process p = new ProcessBuilder(cmd).inheritIO().start();
      return p.waitFor();
    } catch (IOException e) {
      throw new EngineException(
          "cannot start " + python + ": " + e.getMessage(),
          "the hf backend needs Python 3 with torch and transformers (set ENGINE_PYTHON)",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("interrupted while waiting for " + python, "", e);
    } finally {
      try {
        Files.deleteIfExists(script);
      } catch (IOException e) {
        err.println("warning: could not delete " + script);
      }
    }
  }

  private static Path extractScript() {
    try (InputStream in = HfRunner.class.getResourceAsStream(SCRIPT)) {
      if (in == null) {
        throw new EngineException("the hf program is missing from the engine jar", "rebuild");
      }
      Path tmp = Files.createTempFile("hf_generate", ".py");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      return tmp;
    } catch (IOException e) {
      throw new EngineException("cannot extract the hf program: " + e.getMessage(), "", e);
    }
  }
}
