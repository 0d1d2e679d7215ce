package dev.orchestrate.engine.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weights of a snapshot: one {@code model.safetensors}, or shards listed by {@code
 * model.safetensors.index.json}. Tensors are looked up by their Hugging Face name.
 */
public final class Weights implements AutoCloseable {
  public static final String SINGLE_FILE = "model.safetensors";
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private final List<SafetensorsFile> files;
  private final Map<String, SafetensorsFile> byTensor;

  private Weights(List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
    this.files = files;
    this.byTensor = byTensor;
  }

  public static Weights open(Path dir) {
    Path index = dir.resolve(INDEX_FILE);
    if (Files.isRegularFile(index)) {
      return openSharded(dir, index);
    }
    Path single = dir.resolve(SINGLE_FILE);
    if (!Files.isRegularFile(single)) {
      throw new EngineException(
          "no weights in " + dir + ": neither " + SINGLE_FILE + " nor " + INDEX_FILE,
          "create one with `engine snapshot create --config tiny --out " + dir + "`");
    }
    SafetensorsFile file = SafetensorsFile.open(single);
    Map<String, SafetensorsFile> map = new LinkedHashMap<>();
    file.header().tensors().forEach(t -> map.put(t.name(), file));
    return new Weights(List.of(file), map);
  }

  private static Weights openSharded(Path dir, Path index) {
    JsonNode weightMap;
    try {
      weightMap = new ObjectMapper().readTree(Files.readString(index)).get("weight_map");
    } catch (IOException e) {
      throw new EngineException("cannot read " + index + ": " + e.getMessage(), "", e);
    }
    if (weightMap == null || !weightMap.isObject()) {
      throw new EngineException(index + " has no weight_map object", "the index file is corrupt");
    }
    Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
    Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
    List<SafetensorsFile> opened = new ArrayList<>();
    try {
      for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
        String shardName = e.getValue().asText();
        if (!e.getValue().isTextual()
            || !shardName.endsWith(".safetensors")
            || shardName.contains("/")
            || shardName.contains("\\")
            || shardName.startsWith(".")) {
          throw new EngineException(
              INDEX_FILE + " puts '" + e.getKey() + "' in " + e.getValue() + ", not a shard file",
              "weight_map values name .safetensors files beside the index; the index is corrupt");
        }
        SafetensorsFile shard =
            shards.computeIfAbsent(
                shardName,
                s -> {
                  SafetensorsFile f = SafetensorsFile.open(dir.resolve(s));
                  opened.add(f);
                  return f;
                });
        if (!shard.contains(e.getKey())) {
          throw new EngineException(
              INDEX_FILE + " puts '" + e.getKey() + "' in " + shardName + " but it is not there",
              "the shards do not belong to this index");
        }
        byTensor.put(e.getKey(), shard);
      }
    } catch (RuntimeException e) {
      opened.forEach(SafetensorsFile::close);
      throw e;
    }
    return new Weights(List.copyOf(opened), byTensor);
  }

  public Set<String> names() {
    return byTensor.keySet();
  }

  public boolean contains(String name) {
    return byTensor.containsKey(name);
  }

  public TensorData tensor(String name) {
    SafetensorsFile file = byTensor.get(name);
    if (file == null) {
      throw new EngineException(
          "the snapshot has no tensor '" + name + "'",
          "the weights do not match config.json (wrong layer count or model type?)");
    }
    return file.tensor(name);
  }

  /** The tensor, checked against the shape the model expects. */
  public TensorData tensor(String name, long... shape) {
    TensorData t = tensor(name);
    if (!java.util.Arrays.equals(t.info().shape(), shape)) {
      throw new EngineException(
          "tensor '"
              + name
              + "' has shape "
              + java.util.Arrays.toString(t.info().shape())
              + " but config.json implies "
              + java.util.Arrays.toString(shape),
          "the weights do not match config.json");
    }
    return t;
  }

  public List<SafetensorsFile> files() {
    return files;
  }

  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }
}
