package dev.orchestrate.engine.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.Snapshot;
import org.junit.jupiter.api.Test;

/**
 * A long generation must not grow native memory: every step's temporaries (a 400 KB logits tensor
 * among them) are closed with the step, so the arrays the backend holds stay exactly the weights,
 * rotary tables and KV cache.
 */
class MemoryStaysFlatTest {
  @Test
  void decodeStepsLeaveNoNativeArraysBehind() {
    try (ReferenceBackend backend =
        ReferenceBackend.load(Snapshot.open(TinySnapshots.tiny(1, DType.BF16)), 300)) {
      int held = backend.liveArrays();
      int next = backend.prefill(new int[] {791, 6864, 315, 9822, 374}, 5);
      assertEquals(held, backend.liveArrays());
      for (int i = 0; i < 250; i++) {
        next = backend.decode(next);
      }
      assertEquals(held, backend.liveArrays());
      backend.prefill(new int[] {1, 2, 3}, 3);
      assertEquals(held, backend.liveArrays());
    }
  }
}
