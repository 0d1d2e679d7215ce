package dev.orchestrate.hub;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The files an OLMo-2 run needs: weights as safetensors (single or sharded, with their index), the
 * configs and the tokenizer files. Other weight formats ({@code *.bin}, {@code *.pth}, {@code
 * *.h5}, {@code *.msgpack}, ONNX) are duplicates of the same weights and are skipped, as is
 * everything else (README, images, training logs).
 */
public final class FileSelection {
  private static final Set<String> NAMED =
      Set.of(
          "model.safetensors.index.json",
          "config.json",
          "generation_config.json",
          "tokenizer.json",
          "tokenizer_config.json",
          "special_tokens_map.json",
          "vocab.json",
          "merges.txt");

  private FileSelection() {}

  /** Whether the run needs {@code path} (a top-level file of the repo). */
  public static boolean wanted(String path) {
    if (path.contains("/")) {
      return false; // sub-folders hold other formats (onnx/, original/) or training artefacts
    }
    String lower = path.toLowerCase(Locale.ROOT);
    return NAMED.contains(lower) || lower.endsWith(".safetensors");
  }

  public static List<RepoFile> select(List<RepoFile> files) {
    return files.stream().filter(f -> wanted(f.path())).toList();
  }
}
