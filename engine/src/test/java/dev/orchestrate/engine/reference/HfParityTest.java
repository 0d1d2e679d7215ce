package dev.orchestrate.engine.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.generate.GenerationRequest;
import dev.orchestrate.engine.generate.Generator;
import dev.orchestrate.engine.generate.Sampler;
import dev.orchestrate.engine.generate.SamplingParams;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.engine.tokenizer.HfTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reference backend against Hugging Face transformers 5.17 (torch 2.11, FP32, eager attention)
 * on the same tiny snapshot bytes, recorded by src/test/python/make_fixture.py: every position's
 * arg-max must agree and logits must match to a relative 1e-4.
 */
class HfParityTest {
  static final double TOLERANCE = 1e-4;

  /** The fingerprint transformers' side reported for the snapshot it scored. */
  static final String HF_SNAPSHOT_HASH = "3c2a03b6296747f3";

  static Snapshot snapshot;
  static HfTokenizer tokenizer;
  static JsonNode fixture;
  static int[] ids;
  static ReferenceBackend backend;

  @BeforeAll
  static void setUp() throws IOException {
    snapshot = Snapshot.open(TinySnapshots.tiny(1, DType.BF16));
    tokenizer = HfTokenizer.load(snapshot.tokenizerJson());
    fixture = read("/parity/tiny-seed1.json");
    ids = tokenizer.encode(fixture.get("prompt").asText());
    backend = ReferenceBackend.load(snapshot, 64);
  }

  @AfterAll
  static void tearDown() {
    backend.close();
    tokenizer.close();
  }

  static JsonNode read(String resource) throws IOException {
    try (InputStream in = HfParityTest.class.getResourceAsStream(resource)) {
      return new ObjectMapper().readTree(in);
    }
  }

  @Test
  void snapshotIsTheOneTransformersScored() {
    assertEquals(
        HF_SNAPSHOT_HASH,
        snapshot.fingerprint(),
        "the tiny snapshot's bytes changed (weights, configs or tokenizer.json), so the fixture no"
            + " longer describes it: re-run src/test/python/make_fixture.py on the GPU machine");
  }

  @Test
  void tokenizerAgreesWithTransformers() {
    int[] hf = new ObjectMapper().convertValue(fixture.get("prompt_ids"), int[].class);
    assertArrayEquals(hf, ids);
  }

  @Test
  void teacherForcedLogitsMatchTransformers() {
    JsonNode positions = fixture.get("positions");
    assertEquals(ids.length, positions.size());
    float[] logits = new float[backend.vocabSize()];
    double worst = 0;
    backend.prefill(ids, 1);
    for (int i = 0; i < ids.length; i++) {
      int argMax = i == 0 ? backend.prefill(ids, 1) : backend.decode(ids[i]);
      backend.logits(logits);
      JsonNode hf = positions.get(i);
      assertEquals(hf.get("argmax").asInt(), argMax, "arg-max at position " + i);
      assertEquals(argMax, Sampler.argMax(logits));
      worst = Math.max(worst, compareRow(i, logits, hf));
    }
    System.out.printf("tiny parity: %d positions, worst relative error %.3g%n", ids.length, worst);
  }

  /** Returns the largest relative error of the row's top values. */
  private static double compareRow(int position, float[] logits, JsonNode hf) {
    float[] sorted = logits.clone();
    java.util.Arrays.sort(sorted);
    JsonNode top = hf.get("top_values");
    double scale = Math.abs(top.get(0).asDouble());
    double worst = 0;
    for (int k = 0; k < top.size(); k++) {
      double mine = sorted[sorted.length - 1 - k];
      double err = Math.abs(mine - top.get(k).asDouble()) / scale;
      worst = Math.max(worst, err);
      assertTrue(err <= TOLERANCE, "position " + position + " top-" + k + " rel err " + err);
    }
    RowStats s = RowStats.of(logits);
    double l1 = hf.get("l1").asDouble();
    assertClose(hf.get("sum").asDouble(), s.sum(), l1, "sum", position);
    assertClose(hf.get("wsum").asDouble(), s.wsum(), l1, "weighted sum", position);
    assertClose(l1, s.l1(), l1, "l1", position);
    assertClose(
        hf.get("sumsq").asDouble(), s.sumsq(), hf.get("sumsq").asDouble(), "sumsq", position);
    assertClose(hf.get("logsumexp").asDouble(), s.logSumExp(), 1.0, "logsumexp", position);
    return worst;
  }

  private static void assertClose(double hf, double mine, double scale, String what, int pos) {
    double err = Math.abs(hf - mine) / scale;
    assertTrue(err <= TOLERANCE, what + " at position " + pos + ": " + mine + " vs " + hf);
  }

  @Test
  void prefillAgreesWithTheDecodePath() {
    JsonNode positions = fixture.get("positions");
    float[] logits = new float[backend.vocabSize()];
    for (int length : new int[] {2, 17, ids.length}) {
      int argMax = backend.prefill(ids, length);
      backend.logits(logits);
      assertEquals(positions.get(length - 1).get("argmax").asInt(), argMax, "prefill " + length);
      compareRow(length - 1, logits, positions.get(length - 1));
    }
  }

  @Test
  void chunkedPrefillMatchesTransformers() {
    JsonNode positions = fixture.get("positions");
    float[] logits = new float[backend.vocabSize()];
    try (ReferenceBackend chunked = ReferenceBackend.load(snapshot, 64, 7)) {
      for (int length : new int[] {7, 8, ids.length}) {
        int argMax = chunked.prefill(ids, length);
        chunked.logits(logits);
        assertEquals(positions.get(length - 1).get("argmax").asInt(), argMax, "prefill " + length);
        compareRow(length - 1, logits, positions.get(length - 1));
      }
      // and the decode path continues from a chunked prefill
      chunked.prefill(ids, 20);
      assertEquals(positions.get(20).get("argmax").asInt(), chunked.decode(ids[20]));
    }
  }

  @Test
  void greedyGenerationMatchesTransformers() throws IOException {
    JsonNode hf = read("/parity/hf-tiny-gen.json");
    int[] prompt = tokenizer.encode("The capital of France is");
    assertArrayEquals(new ObjectMapper().convertValue(hf.get("prompt_ids"), int[].class), prompt);
    int[] expected = new ObjectMapper().convertValue(hf.get("generated_ids"), int[].class);
    Generator generator = new Generator(backend, tokenizer, "x", System::nanoTime);
    int[] mine =
        generator
            .generate(
                new GenerationRequest(
                    prompt, expected.length, SamplingParams.greedy(), Set.of(100257)),
                text -> {})
            .tokens();
    assertArrayEquals(expected, mine);
  }
}
