package dev.orchestrate.engine.custom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.cli.EngineCli;
import dev.orchestrate.engine.create.Preset;
import dev.orchestrate.engine.generate.Sampler;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.Snapshot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The custom backend's contract on the CPU path through JNI: steps, state, errors, allocation. */
class CustomBackendTest {
  static final int[] PROMPT = {791, 6864, 315, 9822, 374, 12366, 13, 578};

  static Snapshot snapshot;
  static CustomBackend backend;

  @BeforeAll
  static void open() {
    snapshot = Snapshot.open(TinySnapshots.tiny(1, DType.BF16));
    backend = CustomBackend.open(snapshot, 64, NativeDevice.CPU);
  }

  @AfterAll
  static void close() {
    backend.close();
  }

  @Test
  void describesItself() {
    assertEquals("custom", backend.info().backend());
    assertEquals("cpu", backend.info().device());
    assertEquals("bfloat16", backend.info().dtype());
    assertEquals(Preset.VOCAB, backend.vocabSize());
    assertEquals(64, backend.maxSequence());
    assertTrue(backend.description().startsWith("cpu"), backend.description());
  }

  @Test
  void prefillStartsAFreshSequenceAndReturnsTheArgMax() {
    float[] first = new float[backend.vocabSize()];
    int next = backend.prefill(PROMPT, PROMPT.length);
    backend.logits(first);
    assertEquals(Sampler.argMax(first), next);
    backend.decode(next);
    backend.decode(7);

    float[] again = new float[backend.vocabSize()];
    assertEquals(next, backend.prefill(PROMPT, PROMPT.length));
    backend.logits(again);
    assertArrayEquals(first, again);
  }

  @Test
  void decodeAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int token = backend.prefill(PROMPT, PROMPT.length);
    token = backend.decode(token);
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 40; i++) {
      token = backend.decode(token);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(allocated < 256, "40 decode steps allocated " + allocated + " bytes");
  }

  @Test
  void reportsTheEnginesErrors() {
    backend.prefill(PROMPT, PROMPT.length);
    NativeEngineException badToken =
        assertThrows(NativeEngineException.class, () -> backend.decode(Preset.VOCAB));
    assertTrue(
        badToken.getMessage().startsWith("native engine: decode failed"), badToken::getMessage);
    assertTrue(badToken.getMessage().contains(String.valueOf(Preset.VOCAB)), badToken::getMessage);

    backend.reset();
    NativeEngineException noLogits =
        assertThrows(
            NativeEngineException.class, () -> backend.logits(new float[backend.vocabSize()]));
    assertTrue(noLogits.getMessage().contains("no logits yet"), noLogits::getMessage);

    backend.prefill(PROMPT, PROMPT.length);
    NativeEngineException shortBuffer =
        assertThrows(NativeEngineException.class, () -> backend.logits(new float[10]));
    assertTrue(
        shortBuffer.getMessage().contains("vocab is " + Preset.VOCAB), shortBuffer::getMessage);
  }

  @Test
  void aFullCacheIsAnErrorNotACrash() {
    try (CustomBackend small = CustomBackend.open(snapshot, PROMPT.length, NativeDevice.CPU)) {
      int next = small.prefill(PROMPT, PROMPT.length);
      NativeEngineException full =
          assertThrows(NativeEngineException.class, () -> small.decode(next));
      assertTrue(full.getMessage().contains("max_seq_len " + PROMPT.length), full::getMessage);
    }
  }

  @Test
  void aClosedBackendRefusesWork() {
    CustomBackend closed = CustomBackend.open(snapshot, 16, NativeDevice.CPU);
    closed.close();
    closed.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> closed.decode(1));
    assertTrue(e.getMessage().contains("freed"), e::getMessage);
  }

  @Test
  void snapshotWithoutWeightsFailsWithTheEnginesMessage(@TempDir Path dir) throws Exception {
    for (String file : new String[] {"config.json", "generation_config.json", "tokenizer.json"}) {
      Files.copy(snapshot.dir().resolve(file), dir.resolve(file));
    }
    NativeEngineException e =
        assertThrows(
            NativeEngineException.class,
            () -> CustomBackend.open(Snapshot.open(dir), 16, NativeDevice.CPU));
    assertTrue(e.getMessage().startsWith("native engine: create failed"), e::getMessage);
    assertTrue(e.getMessage().contains("model.safetensors"), e::getMessage);
  }

  @Test
  void generatesThroughTheCli() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setProperty(NativeDevice.PROPERTY, "cpu");
    int code;
    try {
      code =
          EngineCli.run(
              new String[] {
                "generate",
                "--snapshot",
                snapshot.dir().toString(),
                "--backend",
                "custom",
                "--prompt",
                "The capital of France is",
                "--max-new-tokens",
                "6"
              },
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8));
    } finally {
      System.clearProperty(NativeDevice.PROPERTY);
    }
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    JsonNode metrics = new ObjectMapper().readTree(lines[lines.length - 1]);
    assertEquals("custom", metrics.get("backend").asText());
    assertEquals("cpu", metrics.get("device").asText());
    assertEquals(6, metrics.get("new_tokens").asInt());
  }
}
