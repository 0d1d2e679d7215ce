package dev.orchestrate.engine.snapshot;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of a safetensors file: tensors sorted by data offset, plus
 * the string metadata. Validation follows the format's rules: no duplicate names, sizes equal to
 * numel times the element size, tensors contiguous from offset 0 to the end of the data buffer.
 */
public record SafetensorsHeader(List<TensorInfo> tensors, Map<String, String> metadata) {
  /** The format caps the header at 100 MB. */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  public SafetensorsHeader {
    tensors = List.copyOf(tensors);
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** Total bytes of the data buffer the header describes. */
  public long dataLength() {
    return tensors.isEmpty() ? 0 : tensors.get(tensors.size() - 1).end();
  }

  /**
   * Parses and validates a header.
   *
   * @param json the header bytes (after the 8-byte length)
   * @param dataLength bytes in the file after the header
   * @param source the file, for messages
   */
  public static SafetensorsHeader parse(byte[] json, long dataLength, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(new String(json, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw corrupt(source, "its header is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw corrupt(source, "its header is not a JSON object", null);
    }
    List<TensorInfo> tensors = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      if (e.getKey().equals("__metadata__")) {
        e.getValue().properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
      } else {
        tensors.add(tensor(e.getKey(), e.getValue(), source));
      }
    }
    tensors.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    long expected = 0;
    for (TensorInfo t : tensors) {
      if (t.begin() != expected) {
        throw corrupt(
            source,
            String.format(
                "tensor '%s' starts at byte %d of the data but the previous tensor ends at %d"
                    + " (holes and overlaps are not allowed)",
                t.name(), t.begin(), expected),
            null);
      }
      expected = t.end();
    }
    if (expected != dataLength) {
      String what =
          expected > dataLength
              ? "the file is truncated: the header describes "
                  + expected
                  + " data bytes but only "
                  + dataLength
                  + " follow it"
              : "the header describes "
                  + expected
                  + " data bytes but "
                  + dataLength
                  + " follow it (trailing garbage)";
      throw corrupt(source, what, null);
    }
    return new SafetensorsHeader(tensors, metadata);
  }

  private static TensorInfo tensor(String name, JsonNode node, String source) {
    JsonNode dtype = node.get("dtype");
    JsonNode shape = node.get("shape");
    JsonNode offsets = node.get("data_offsets");
    if (dtype == null || !dtype.isTextual() || shape == null || !shape.isArray()) {
      throw corrupt(source, "tensor '" + name + "' lacks a dtype or a shape", null);
    }
    if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
      throw corrupt(source, "tensor '" + name + "' lacks data_offsets [begin, end]", null);
    }
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      JsonNode d = shape.get(i);
      if (!d.canConvertToLong() || d.asLong() < 0) {
        throw corrupt(source, "tensor '" + name + "' has an invalid shape " + shape, null);
      }
      dims[i] = d.asLong();
    }
    long begin = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    if (begin < 0 || end < begin) {
      throw corrupt(source, "tensor '" + name + "' has invalid data_offsets " + offsets, null);
    }
    TensorInfo info = new TensorInfo(name, DType.parse(dtype.asText()), dims, begin, end);
    long expectedBytes;
    try {
      expectedBytes = Math.multiplyExact(info.numel(), info.dtype().size());
    } catch (ArithmeticException e) {
      throw corrupt(source, "tensor '" + name + "' has an absurd shape " + shape, e);
    }
    if (expectedBytes != info.byteSize()) {
      throw corrupt(
          source,
          String.format(
              "tensor '%s' (%s %s) needs %d bytes but its data_offsets span %d",
              name, info.dtype(), shape, expectedBytes, info.byteSize()),
          null);
    }
    return info;
  }

  static EngineException corrupt(String source, String what, Throwable cause) {
    return new EngineException(
        "corrupt safetensors file " + source + ": " + what,
        "re-create or re-download the snapshot; a partial copy is the usual cause",
        cause);
  }
}
