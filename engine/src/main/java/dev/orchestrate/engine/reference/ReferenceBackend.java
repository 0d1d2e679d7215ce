package dev.orchestrate.engine.reference;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.orchestrate.engine.DjlOffline;
import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.BackendInfo;
import dev.orchestrate.engine.generate.Sampler;
import dev.orchestrate.engine.snapshot.ModelConfig;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.engine.snapshot.Weights;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * OLMo-2 written with DJL NDArray operations on PyTorch's CPU engine, in FP32. Follows
 * transformers' Olmo2 exactly: no pre-norms; q_norm/k_norm over the full projections before the
 * split into heads; split-half RoPE; norms on the sublayer outputs inside the residual branch;
 * SwiGLU MLP; final norm and an untied head. Each step's temporaries live in an {@link NDScope}
 * that closes with the step, so memory stays flat however long the generation.
 */
public final class ReferenceBackend implements Backend {
  /**
   * Prompt tokens per forward pass: bounds the attention scores of a long prompt (heads × chunk ×
   * length floats) while keeping the projections matrix-matrix products.
   */
  static final int PREFILL_CHUNK = 512;

  private final ModelConfig config;
  private final NDManager manager;
  private final Weights weights;
  private final EmbeddingTable embedding;
  private final List<LayerWeights> layers;
  private final NDArray finalNorm;
  private final NDArray lmHead;
  private final NDArray cos;
  private final NDArray sin;
  private final KvCache cache;
  private final int capacity;
  private final int prefillChunk;
  private final float[] embedBuffer;
  private final float[] lastLogits;
  private final int[] one = new int[1];
  private int position;
  private boolean hasLogits;

  private ReferenceBackend(Snapshot snapshot, int capacity, int prefillChunk) {
    this.config = snapshot.config();
    this.capacity = capacity;
    this.prefillChunk = prefillChunk;
    DjlOffline.configure();
    this.manager = NDManager.newBaseManager(Engine.getEngine("PyTorch").defaultDevice());
    configureThreads();
    this.weights = snapshot.openWeights();
    try {
      int h = config.hiddenSize();
      this.embedding =
          new EmbeddingTable(weights.tensor("model.embed_tokens.weight", config.vocabSize(), h));
      WeightLoader loader = new WeightLoader(weights, manager, config);
      this.layers = new ArrayList<>();
      for (int i = 0; i < config.numLayers(); i++) {
        layers.add(loader.layer(i));
      }
      this.finalNorm = loader.load("model.norm.weight", h);
      this.lmHead =
          config.tieWordEmbeddings()
              ? loader.loadTransposed("model.embed_tokens.weight", config.vocabSize(), h)
              : loader.loadTransposed("lm_head.weight", config.vocabSize(), h);
      int hd = config.headDim();
      Shape ropeShape = new Shape(capacity, hd);
      this.cos =
          manager.create(RotaryTables.table(capacity, hd, config.ropeTheta(), false), ropeShape);
      this.sin =
          manager.create(RotaryTables.table(capacity, hd, config.ropeTheta(), true), ropeShape);
      this.cache = new KvCache(manager, config.numLayers(), config.numKvHeads(), capacity, hd);
      this.embedBuffer = new float[capacity * h];
      this.lastLogits = new float[config.vocabSize()];
    } catch (RuntimeException e) {
      manager.close();
      weights.close();
      throw e;
    }
  }

  /**
   * Loads a snapshot's weights for sequences of up to {@code capacity} tokens.
   *
   * @throws EngineException when the weights do not match the config or cannot be read
   */
  public static ReferenceBackend load(Snapshot snapshot, int capacity) {
    int limit = snapshot.config().maxPositions();
    if (capacity < 1 || capacity > limit) {
      throw new EngineException(
          "a sequence of " + capacity + " tokens does not fit the model's " + limit + " positions",
          "lower --max-new-tokens or shorten the prompt");
    }
    return new ReferenceBackend(snapshot, capacity, PREFILL_CHUNK);
  }

  /** As {@link #load(Snapshot, int)}, with another prefill chunk length (for tests). */
  static ReferenceBackend load(Snapshot snapshot, int capacity, int prefillChunk) {
    return new ReferenceBackend(snapshot, capacity, prefillChunk);
  }

  @Override
  public BackendInfo info() {
    return new BackendInfo("reference", "cpu", "float32");
  }

  @Override
  public int vocabSize() {
    return config.vocabSize();
  }

  @Override
  public int maxSequence() {
    return capacity;
  }

  @Override
  public int prefill(int[] tokens, int length) {
    reset();
    if (length < 1 || length > capacity) {
      throw new EngineException(
          "cannot prefill " + length + " tokens into a cache of " + capacity, "");
    }
    for (int from = 0; from + prefillChunk < length; from += prefillChunk) {
      step(tokens, from, prefillChunk, false);
    }
    int last = (length - 1) / prefillChunk * prefillChunk;
    return step(tokens, last, length - last, true);
  }

  @Override
  public int decode(int token) {
    if (position == 0) {
      throw new IllegalStateException("decode before prefill");
    }
    if (position >= capacity) {
      throw new EngineException("the KV cache of " + capacity + " positions is full", "");
    }
    one[0] = token;
    return step(one, 0, 1, true);
  }

  @Override
  public void logits(float[] out) {
    if (!hasLogits) {
      throw new IllegalStateException("no logits yet: prefill first");
    }
    System.arraycopy(lastLogits, 0, out, 0, lastLogits.length);
  }

  @Override
  public void reset() {
    position = 0;
    hasLogits = false;
  }

  /** Native arrays the backend holds (weights, tables, cache); constant across steps. */
  int liveArrays() {
    return manager.getManagedArrays().size();
  }

  @Override
  public void close() {
    manager.close();
    weights.close();
  }

  /**
   * Half the cores for PyTorch's intra-op pool unless {@code ai.djl.pytorch.num_threads} says
   * otherwise: a decode step is bound by memory bandwidth, which one core nearly saturates here,
   * and with every core busy, OpenMP's barriers stall whenever other processes want the CPU.
   * Measured on the shared 2-core machines, one bench run each: 1B decode 3.6 tok/s with one
   * thread, 1.5 with two; tiny 215 vs 40.
   */
  private static void configureThreads() {
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      JniUtils.setNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    }
  }

  /**
   * Runs {@code n} tokens from {@code tokens[from]} at positions {@code position..position+n-1};
   * with {@code logits}, computes the last one's logits and returns their arg-max (else -1).
   */
  private int step(int[] tokens, int from, int n, boolean logits) {
    int h = config.hiddenSize();
    try (NDScope scope = new NDScope()) {
      embedding.rows(tokens, from, n, embedBuffer);
      NDArray x = manager.create(FloatBuffer.wrap(embedBuffer, 0, n * h), new Shape(n, h));
      NDArray mask = n > 1 ? causalMask(n) : null;
      for (int i = 0; i < layers.size(); i++) {
        x = layer(i, x, n, mask);
      }
      if (logits) {
        NDArray last = n > 1 ? x.get(new NDIndex("{}:", n - 1)) : x;
        NDArray row =
            Olmo2Ops.linear(Olmo2Ops.rmsNorm(last, finalNorm, config.rmsNormEps()), lmHead);
        row.toType(DataType.FLOAT32, false).toByteBuffer().asFloatBuffer().get(lastLogits);
      }
      scope.suppressNotUsedWarning();
    }
    position += n;
    hasLogits = logits;
    return logits ? Sampler.argMax(lastLogits) : -1;
  }

  private NDArray layer(int index, NDArray x, int n, NDArray mask) {
    LayerWeights w = layers.get(index);
    int hd = config.headDim();
    int heads = config.numHeads();
    int kvHeads = config.numKvHeads();
    double eps = config.rmsNormEps();
    NDArray qkv = Olmo2Ops.linear(x, w.qkvProj());
    int qWidth = heads * hd;
    int kvWidth = kvHeads * hd;
    NDArray q = Olmo2Ops.rmsNorm(qkv.get(new NDIndex(":, :{}", qWidth)), w.qNorm(), eps);
    NDArray k =
        Olmo2Ops.rmsNorm(
            qkv.get(new NDIndex(":, {}:{}", qWidth, qWidth + kvWidth)), w.kNorm(), eps);
    NDArray v = qkv.get(new NDIndex(":, {}:", qWidth + kvWidth));
    NDArray cosRows = cos.get(new NDIndex("{}:{}", position, position + n));
    NDArray sinRows = sin.get(new NDIndex("{}:{}", position, position + n));
    q = Olmo2Ops.rope(q.reshape(n, heads, hd).transpose(1, 0, 2), cosRows, sinRows);
    k = Olmo2Ops.rope(k.reshape(n, kvHeads, hd).transpose(1, 0, 2), cosRows, sinRows);
    cache.write(index, position, k, v.reshape(n, kvHeads, hd).transpose(1, 0, 2));
    int length = position + n;
    NDArray keys = Olmo2Ops.repeatKv(cache.keys(index, length), heads / kvHeads);
    NDArray values = Olmo2Ops.repeatKv(cache.values(index, length), heads / kvHeads);
    NDArray scores = q.batchMatMul(keys.transpose(0, 2, 1)).mul(1.0 / Math.sqrt(hd));
    if (mask != null) {
      scores = scores.add(mask);
    }
    NDArray attended = scores.softmax(-1).batchMatMul(values);
    NDArray a = Olmo2Ops.linear(attended.transpose(1, 0, 2).reshape(n, heads * hd), w.oProj());
    x = x.add(Olmo2Ops.rmsNorm(a, w.postAttentionNorm(), eps));
    NDArray m = Olmo2Ops.swiGlu(x, w.gateUpProj(), w.downProj(), config.intermediateSize());
    return x.add(Olmo2Ops.rmsNorm(m, w.postFeedforwardNorm(), eps));
  }

  /** [n, position+n]: 0 where query i may see key j, −∞ above the diagonal. */
  private NDArray causalMask(int n) {
    int length = position + n;
    float[] mask = new float[n * length];
    for (int i = 0; i < n; i++) {
      for (int j = position + i + 1; j < length; j++) {
        mask[i * length + j] = Float.NEGATIVE_INFINITY;
      }
    }
    return manager.create(mask, new Shape(n, length));
  }
}
