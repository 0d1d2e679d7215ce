package dev.orchestrate.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Repo folders shaped like an OLMo-2 checkpoint (random bytes where the weights go). */
final class Fixtures {
  static final String SHARD1 = "model-00001-of-00002.safetensors";
  static final String SHARD2 = "model-00002-of-00002.safetensors";
  static final int SHARD1_SIZE = 3 << 20;
  static final int SHARD2_SIZE = (2 << 20) + 12345;

  private Fixtures() {}

  /** A sharded checkpoint plus the files a pull must skip (.bin, README, onnx/). */
  static Path sharded(Path dir, long seed) throws IOException {
    Files.createDirectories(dir.resolve("onnx"));
    Random r = new Random(seed);
    write(dir.resolve(SHARD1), bytes(r, SHARD1_SIZE));
    write(dir.resolve(SHARD2), bytes(r, SHARD2_SIZE));
    text(
        dir.resolve("model.safetensors.index.json"),
        "{\"metadata\":{\"total_size\":1},\"weight_map\":{\"a\":\""
            + SHARD1
            + "\",\"b\":\""
            + SHARD2
            + "\"}}");
    text(dir.resolve("config.json"), "{\"model_type\":\"olmo2\",\"seed\":" + seed + "}");
    text(dir.resolve("generation_config.json"), "{\"eos_token_id\":[100257,100265]}");
    text(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"BPE\"},\"seed\":" + seed + "}");
    text(dir.resolve("tokenizer_config.json"), "{\"chat_template\":\"{{ x }}\"}");
    text(dir.resolve("special_tokens_map.json"), "{}");
    write(dir.resolve("pytorch_model.bin"), bytes(r, 1 << 20));
    text(dir.resolve("README.md"), "# a model\n");
    write(dir.resolve("onnx/model.onnx"), bytes(r, 4096));
    return dir;
  }

  /** A single-file checkpoint (another commit of the same repo). */
  static Path single(Path dir, long seed) throws IOException {
    Files.createDirectories(dir);
    Random r = new Random(seed);
    write(dir.resolve("model.safetensors"), bytes(r, (1 << 20) + 7));
    text(dir.resolve("config.json"), "{\"model_type\":\"olmo2\",\"single\":true}");
    text(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"BPE\"}}");
    return dir;
  }

  static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static void write(Path p, byte[] b) throws IOException {
    Files.write(p, b);
  }

  private static void text(Path p, String s) throws IOException {
    Files.writeString(p, s, StandardCharsets.UTF_8);
  }
}
