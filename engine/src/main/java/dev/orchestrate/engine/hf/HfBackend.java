package dev.orchestrate.engine.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.BackendInfo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;

/**
 * transformers' OLMo-2 as a {@link Backend}: the bundled {@code hf_serve.py} runs in a child
 * process that keeps the model loaded, and each step is one JSON line each way. This is how a
 * prompt file runs on {@code --backend hf}: one sequence at a time, through the same scheduler
 * (sampling and stop strings on the Java side) as the other backends.
 */
public final class HfBackend implements Backend {
  static final String SCRIPT = "/dev/orchestrate/engine/hf/hf_serve.py";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Path script;
  private final BufferedReader in;
  private final OutputStream out;
  private final BackendInfo info;
  private final int vocab;
  private final int maxSequence;

  private HfBackend(Process process, Path script, int capacity) {
    this.process = process;
    this.script = script;
    this.in =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.out = process.getOutputStream();
    JsonNode ready = read("start");
    this.vocab = ready.get("vocab").asInt();
    this.maxSequence = Math.min(capacity, ready.get("max_positions").asInt());
    this.info = new BackendInfo("hf", ready.get("device").asText(), ready.get("dtype").asText());
  }

  /**
   * Starts {@code python} on the snapshot; its stderr (loading messages, warnings) goes to this
   * process's stderr.
   */
  public static HfBackend start(String python, Path snapshot, int capacity) {
    Path script = extract();
    List<String> cmd =
        List.of(python, script.toString(), "--snapshot", snapshot.toAbsolutePath().toString());
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      delete(script);
      throw new EngineException(
          "cannot start " + python + ": " + e.getMessage(),
          "the hf backend needs Python 3 with torch and transformers (set ENGINE_PYTHON)",
          e);
    }
    try {
      return new HfBackend(p, script, capacity);
    } catch (RuntimeException e) {
      p.destroyForcibly();
      delete(script);
      throw e;
    }
  }

  @Override
  public BackendInfo info() {
    return info;
  }

  @Override
  public int vocabSize() {
    return vocab;
  }

  @Override
  public int maxSequence() {
    return maxSequence;
  }

  @Override
  public int prefill(int[] tokens, int length) {
    StringBuilder ids = new StringBuilder("{\"op\":\"prefill\",\"ids\":[");
    for (int i = 0; i < length; i++) {
      ids.append(i == 0 ? "" : ",").append(tokens[i]);
    }
    return call(ids.append("]}").toString()).get("next").asInt();
  }

  @Override
  public int decode(int token) {
    return call("{\"op\":\"decode\",\"token\":" + token + "}").get("next").asInt();
  }

  @Override
  public void logits(float[] out) {
    byte[] bytes = Base64.getDecoder().decode(call("{\"op\":\"logits\"}").get("logits").asText());
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out, 0, vocab);
  }

  @Override
  public void reset() {
    call("{\"op\":\"reset\"}");
  }

  @Override
  public void close() {
    try {
      out.close();
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    } finally {
      delete(script);
    }
  }

  private JsonNode call(String request) {
    try {
      out.write((request + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      throw ended(e);
    }
    return read(request.substring(0, Math.min(40, request.length())));
  }

  private JsonNode read(String what) {
    String line;
    try {
      line = in.readLine();
    } catch (IOException e) {
      throw ended(e);
    }
    if (line == null) {
      throw ended(null);
    }
    JsonNode reply;
    try {
      reply = JSON.readTree(line);
    } catch (IOException e) {
      throw new EngineException("the hf program answered " + what + " with " + line, "", e);
    }
    if (reply.has("error")) {
      throw new EngineException("the hf program failed: " + reply.get("error").asText(), "");
    }
    return reply;
  }

  private EngineException ended(IOException cause) {
    String code = "";
    try {
      // its output ends a moment before the process does
      if (process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        code = " (exit code " + process.exitValue() + ")";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return new EngineException(
        "the hf program stopped answering" + code,
        "its error is above; the hf backend needs Python 3 with torch and transformers"
            + " (set ENGINE_PYTHON)",
        cause);
  }

  private static Path extract() {
    try (InputStream s = HfBackend.class.getResourceAsStream(SCRIPT)) {
      if (s == null) {
        throw new EngineException("the hf program is missing from the engine jar", "rebuild");
      }
      Path tmp = Files.createTempFile("hf_serve", ".py");
      Files.copy(s, tmp, StandardCopyOption.REPLACE_EXISTING);
      return tmp;
    } catch (IOException e) {
      throw new EngineException("cannot extract the hf program: " + e.getMessage(), "", e);
    }
  }

  private static void delete(Path script) {
    try {
      Files.deleteIfExists(script);
    } catch (IOException e) {
      // a temporary file left behind; nothing else depends on it
    }
  }
}
