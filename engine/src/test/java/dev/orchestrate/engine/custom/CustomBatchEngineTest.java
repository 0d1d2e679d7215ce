package dev.orchestrate.engine.custom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.create.Preset;
import dev.orchestrate.engine.generate.Sampler;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.Snapshot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The batched custom engine on the CPU path through JNI: batch invariance, slots, errors. */
class CustomBatchEngineTest {
  static final int[][] PROMPTS = {
    {791, 6864, 315, 9822, 374, 12366, 13, 578},
    {40, 1093, 311, 1304},
    {9906, 11, 1917, 0, 578, 3363, 1071, 8, 17, 99, 123},
    {5},
    {1000, 2000, 3000}
  };
  static final int NEW = 12;

  static Snapshot snapshot;
  static CustomBatchEngine engine;

  @BeforeAll
  static void open() {
    snapshot = Snapshot.open(TinySnapshots.tiny(1, DType.BF16));
    engine = CustomBatchEngine.open(snapshot, 3, 48, NativeDevice.CPU);
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  /** Each prompt's greedy continuation through the batch-1 backend. */
  static int[][] alone() {
    int[][] out = new int[PROMPTS.length][NEW];
    try (CustomBackend one = CustomBackend.open(snapshot, 48, NativeDevice.CPU)) {
      for (int p = 0; p < PROMPTS.length; p++) {
        int next = one.prefill(PROMPTS[p], PROMPTS[p].length);
        for (int i = 0; i < NEW; i++) {
          out[p][i] = next;
          next = one.decode(next);
        }
      }
    }
    return out;
  }

  @Test
  void describesItself() {
    assertEquals(3, engine.slots());
    assertEquals(3, engine.maxBatch());
    assertEquals(48, engine.maxSequence());
    assertEquals(Preset.VOCAB, engine.vocabSize());
    assertEquals("cpu", engine.info().device());
    assertTrue(engine.description().startsWith("cpu"), engine.description());
  }

  /**
   * Five prompts through three slots with continuous admission: a prompt enters a slot as soon as
   * another finishes, long prompts come in chunks of 3 between decode steps, and every prompt's
   * greedy tokens equal what it gets alone.
   */
  @Test
  void continuousBatchingMatchesBatchOneOutput() {
    int[][] expected = alone();
    int[][] got = new int[PROMPTS.length][NEW];
    int[] produced = new int[PROMPTS.length];
    int[] promptOf = {-1, -1, -1};
    int[] fed = new int[3];
    int[] pending = new int[3];
    int[] slots = new int[3];
    int[] tokens = new int[3];
    int[] next = new int[3];
    int admitted = 0;
    int done = 0;
    while (done < PROMPTS.length) {
      for (int s = 0; s < 3; s++) {
        if (promptOf[s] < 0 && admitted < PROMPTS.length) {
          promptOf[s] = admitted++;
          fed[s] = 0;
          assertEquals(0, engine.position(s));
        }
        int p = promptOf[s];
        if (p >= 0 && fed[s] < PROMPTS[p].length) { // one chunk of at most 3 tokens per step
          int n = Math.min(3, PROMPTS[p].length - fed[s]);
          pending[s] = engine.prefill(s, PROMPTS[p], fed[s], n);
          fed[s] += n;
        }
      }
      int count = 0;
      for (int s = 0; s < 3; s++) {
        int p = promptOf[s];
        if (p >= 0 && fed[s] == PROMPTS[p].length) {
          got[p][produced[p]++] = pending[s];
          if (produced[p] == NEW) {
            engine.release(s);
            promptOf[s] = -1;
            done++;
          } else {
            slots[count] = s;
            tokens[count++] = pending[s];
          }
        }
      }
      if (count > 0) {
        engine.decode(count, slots, tokens, next);
        for (int i = 0; i < count; i++) {
          pending[slots[i]] = next[i];
        }
      }
    }
    for (int p = 0; p < PROMPTS.length; p++) {
      assertArrayEquals(expected[p], got[p], "prompt " + p);
    }
  }

  @Test
  void logitsOfEachSlotMatchItsGreedyToken() {
    float[] logits = new float[engine.vocabSize()];
    int[] slots = {2, 0};
    int[] tokens = {
      engine.prefill(2, PROMPTS[0], 0, PROMPTS[0].length),
      engine.prefill(0, PROMPTS[1], 0, PROMPTS[1].length)
    };
    int[] next = new int[2];
    engine.decode(2, slots, tokens, next);
    for (int i = 0; i < 2; i++) {
      engine.logits(slots[i], logits);
      assertEquals(Sampler.argMax(logits), next[i]);
      assertEquals(PROMPTS[i].length + 1, engine.position(slots[i]));
    }
    engine.release(2);
    engine.release(0);
    NativeEngineException none =
        assertThrows(NativeEngineException.class, () -> engine.logits(2, logits));
    assertTrue(none.getMessage().contains("slot 2 has no logits"), none::getMessage);
  }

  @Test
  void badSlotsAndFullSequencesAreErrorsThatChangeNothing() {
    int[] prompt = PROMPTS[0];
    int first = engine.prefill(1, prompt, 0, prompt.length);
    NativeEngineException outside =
        assertThrows(NativeEngineException.class, () -> engine.prefill(3, prompt, 0, 1));
    assertTrue(outside.getMessage().contains("slot 3 is outside [0, 3)"), outside::getMessage);
    NativeEngineException twice =
        assertThrows(
            NativeEngineException.class,
            () -> engine.decode(2, new int[] {1, 1}, new int[] {first, first}, new int[2]));
    assertTrue(twice.getMessage().contains("listed twice"), twice::getMessage);
    NativeEngineException empty =
        assertThrows(
            NativeEngineException.class,
            () -> engine.decode(2, new int[] {1, 0}, new int[] {first, first}, new int[2]));
    assertTrue(empty.getMessage().contains("slot 0 is empty"), empty::getMessage);
    NativeEngineException badToken =
        assertThrows(
            NativeEngineException.class,
            () -> engine.decode(1, new int[] {1}, new int[] {Preset.VOCAB}, new int[1]));
    assertTrue(badToken.getMessage().contains("outside the vocabulary"), badToken::getMessage);
    assertEquals(prompt.length, engine.position(1), "failed steps appended nothing");

    int[] filler = new int[48 - prompt.length + 1];
    NativeEngineException full =
        assertThrows(
            NativeEngineException.class, () -> engine.prefill(1, filler, 0, filler.length));
    assertTrue(full.getMessage().contains("exceeds max_seq_len 48"), full::getMessage);
    engine.prefill(1, filler, 0, filler.length - 2);
    assertEquals(47, engine.position(1));
    int[] next = new int[1];
    engine.decode(1, new int[] {1}, new int[] {first}, next);
    NativeEngineException overflow =
        assertThrows(
            NativeEngineException.class,
            () -> engine.decode(1, new int[] {1}, new int[] {first}, next));
    assertTrue(overflow.getMessage().contains("slot 1 is full"), overflow::getMessage);

    engine.release(1);
    assertEquals(0, engine.position(1));
    assertEquals(
        first, engine.prefill(1, prompt, 0, prompt.length), "a released slot starts fresh");
    engine.release(1);
  }

  @Test
  void aClosedEngineRefusesWork() {
    CustomBatchEngine closed = CustomBatchEngine.open(snapshot, 2, 16, NativeDevice.CPU);
    closed.close();
    closed.close();
    assertThrows(IllegalStateException.class, () -> closed.position(0));
  }
}
