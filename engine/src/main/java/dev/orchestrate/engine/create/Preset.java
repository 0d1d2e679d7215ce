package dev.orchestrate.engine.create;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.snapshot.ModelConfig;
import java.util.Arrays;
import java.util.Locale;

/** The model shapes {@code engine snapshot create} knows. */
public enum Preset {
  /** The real vocabulary, everything else small: a BF16 snapshot is about 26 MB. */
  TINY(64, 256, 2, 4, 2),
  OLMO2_1B(2048, 8192, 16, 16, 16),
  OLMO2_7B(4096, 11008, 32, 32, 32);

  public static final int VOCAB = 100352;
  public static final int EOS = 100257;
  public static final int PAD = 100277;

  private final int hidden;
  private final int intermediate;
  private final int layers;
  private final int heads;
  private final int kvHeads;

  Preset(int hidden, int intermediate, int layers, int heads, int kvHeads) {
    this.hidden = hidden;
    this.intermediate = intermediate;
    this.layers = layers;
    this.heads = heads;
    this.kvHeads = kvHeads;
  }

  public String cliName() {
    return switch (this) {
      case TINY -> "tiny";
      case OLMO2_1B -> "olmo2-1b";
      case OLMO2_7B -> "olmo2-7b";
    };
  }

  public ModelConfig config(String torchDtype) {
    return new ModelConfig(
        hidden,
        intermediate,
        layers,
        heads,
        kvHeads,
        VOCAB,
        4096,
        500000.0,
        1e-6,
        EOS,
        PAD,
        false,
        torchDtype);
  }

  public static Preset parse(String name) {
    return Arrays.stream(values())
        .filter(p -> p.cliName().equals(name.toLowerCase(Locale.ROOT)))
        .findFirst()
        .orElseThrow(
            () ->
                new EngineException(
                    "unknown config '" + name + "'", "use one of tiny, olmo2-1b, olmo2-7b"));
  }
}
