package dev.orchestrate.engine.create;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.GenerationConfig;
import dev.orchestrate.engine.snapshot.ModelConfig;
import dev.orchestrate.engine.snapshot.Weights;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Writes a complete OLMo-2 snapshot with seeded random weights: config.json,
 * generation_config.json, the dolma2-equivalent tokenizer files and the weights (sharded like
 * transformers does above 5 GB). The same request always produces the same bytes.
 */
public final class SnapshotCreator {
  /** transformers' default max_shard_size, "5GB". */
  public static final long MAX_SHARD_BYTES = 5_000_000_000L;

  /**
   * What to create.
   *
   * @param shards how many weight files: 0 splits as transformers does (at {@link
   *     #MAX_SHARD_BYTES}), 1 writes one model.safetensors, N &gt; 1 writes N shards of about equal
   *     size plus model.safetensors.index.json
   * @param instruct also write what an -Instruct repository carries: the OLMo-2 Instruct
   *     chat_template and added_tokens_decoder in tokenizer_config.json
   */
  public record Request(
      Preset preset, long seed, DType dtype, Path out, int shards, boolean instruct) {
    public Request {
      if (shards < 0) {
        throw new EngineException("--shards must be 0 (automatic) or more, not " + shards, "");
      }
    }

    /** A base-model snapshot sharded as transformers would shard it. */
    public Request(Preset preset, long seed, DType dtype, Path out) {
      this(preset, seed, dtype, out, 0, false);
    }
  }

  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final SafetensorsWriter writer = new SafetensorsWriter();
  private final Consumer<String> progress;
  private final long maxShardBytes;

  public SnapshotCreator(Consumer<String> progress) {
    this(progress, MAX_SHARD_BYTES);
  }

  /** With another shard size limit (tests use a small one). */
  public SnapshotCreator(Consumer<String> progress, long maxShardBytes) {
    this.progress = progress;
    this.maxShardBytes = maxShardBytes;
  }

  public void create(Request r) {
    if (!r.dtype().isFloat()) {
      throw new EngineException(
          "snapshots are written as bf16, f32 or f16, not " + r.dtype(), "use --dtype bf16");
    }
    ModelConfig config = r.preset().config(r.dtype().torchName());
    try {
      Files.createDirectories(r.out());
      removeOldWeights(r.out());
      writeJson(r.out().resolve("config.json"), config.toJson(json));
      writeJson(
          r.out().resolve("generation_config.json"),
          new GenerationConfig(List.of(config.eosTokenId()), config.padTokenId()).toJson(json));
      writeTokenizer(r.out(), r.instruct());
    } catch (IOException e) {
      throw new EngineException(
          "cannot write snapshot to " + r.out() + ": " + e.getMessage(), "", e);
    }
    List<TensorSpec> tensors = Olmo2Tensors.of(config, r.dtype(), new WeightGenerator(r.seed()));
    long total = tensors.stream().mapToLong(TensorSpec::byteSize).sum();
    if (r.shards() > tensors.size()) {
      throw new EngineException(
          "--shards " + r.shards() + " is more than the " + tensors.size() + " tensors to write",
          "a tensor never spans two shards");
    }
    long limit = r.shards() == 0 ? maxShardBytes : Math.max(1, total / r.shards());
    writeWeights(r.out(), split(tensors, limit, r.shards()), total);
  }

  /**
   * Tensors in model order, cut into shards of at most {@code limit} bytes (a larger tensor gets a
   * shard of its own); with {@code count} &gt; 0, exactly that many shards.
   */
  private static List<List<TensorSpec>> split(List<TensorSpec> tensors, long limit, int count) {
    List<TensorSpec> ordered = tensors; // model order, as transformers' state dict is cut
    List<List<TensorSpec>> shards = new ArrayList<>();
    long size = 0;
    for (int i = 0; i < ordered.size(); i++) {
      TensorSpec t = ordered.get(i);
      int left = ordered.size() - i;
      boolean full = size > 0 && size + t.byteSize() > limit;
      boolean mustOpen = count > 0 && count - shards.size() == left; // one tensor per shard left
      boolean mayOpen = count == 0 || shards.size() < count;
      if (shards.isEmpty() || (mayOpen && (full || mustOpen))) {
        shards.add(new ArrayList<>());
        size = 0;
      }
      shards.get(shards.size() - 1).add(t);
      size += t.byteSize();
    }
    return shards;
  }

  private void writeWeights(Path dir, List<List<TensorSpec>> shards, long total) {
    List<TensorSpec> tensors = shards.stream().flatMap(List::stream).toList();
    Map<String, String> meta = Map.of("format", "pt");
    if (shards.size() == 1) {
      progress.accept("writing " + Weights.SINGLE_FILE + " (" + total / 1_000_000 + " MB)");
      writer.write(dir.resolve(Weights.SINGLE_FILE), tensors, meta);
      return;
    }
    Map<String, String> weightMap = new TreeMap<>();
    for (int i = 0; i < shards.size(); i++) {
      String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
      progress.accept("writing " + name);
      writer.write(dir.resolve(name), shards.get(i), meta);
      shards.get(i).forEach(t -> weightMap.put(t.name(), name));
    }
    ObjectNode index = json.createObjectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode wm = index.putObject("weight_map");
    weightMap.forEach(wm::put);
    try {
      writeJson(dir.resolve(Weights.INDEX_FILE), index);
    } catch (IOException e) {
      throw new EngineException("cannot write the shard index: " + e.getMessage(), "", e);
    }
  }

  private void writeTokenizer(Path dir, boolean instruct) throws IOException {
    writeJson(dir.resolve("tokenizer.json"), new Dolma2Tokenizer(json).tokenizerJson());
    ObjectNode cfg = json.createObjectNode();
    cfg.put("add_bos_token", false);
    cfg.put("add_eos_token", false);
    cfg.put("add_prefix_space", false);
    cfg.put("bos_token", "<|endoftext|>");
    cfg.put("clean_up_tokenization_spaces", false);
    cfg.put("eos_token", "<|endoftext|>");
    cfg.put("model_max_length", 1000000000000000019884624838656.0);
    cfg.put("pad_token", "<|pad|>");
    cfg.put("tokenizer_class", "GPT2Tokenizer");
    cfg.put("unk_token", "<|endoftext|>");
    if (instruct) {
      InstructTokenizerConfig.addTo(cfg);
    }
    writeJson(dir.resolve("tokenizer_config.json"), cfg);
    ObjectNode special = json.createObjectNode();
    special.put("bos_token", "<|endoftext|>");
    special.put("eos_token", "<|endoftext|>");
    special.put("pad_token", "<|pad|>");
    special.put("unk_token", "<|endoftext|>");
    writeJson(dir.resolve("special_tokens_map.json"), special);
  }

  private void writeJson(Path file, ObjectNode node) throws IOException {
    Files.writeString(file, json.writeValueAsString(node) + "\n");
  }

  private static void removeOldWeights(Path dir) throws IOException {
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "model*.safetensors*")) {
      for (Path p : old) {
        Files.delete(p);
      }
    }
  }
}
