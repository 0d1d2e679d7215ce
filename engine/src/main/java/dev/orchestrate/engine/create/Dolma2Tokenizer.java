package dev.orchestrate.engine.create;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.engine.EngineException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a Hugging Face {@code tokenizer.json} equivalent to OLMo-2's dolma2 tokenizer: the
 * cl100k_base byte-level BPE ranks (as shipped inside jtokkit) for ids 0..100255, and the dolma2
 * added tokens 100256..100277. Merges are derived from the ranks: every split of a token into two
 * vocabulary entries, ordered by the rank of the merged token, which reproduces tiktoken's
 * lowest-rank-first merging.
 */
public final class Dolma2Tokenizer {
  /** cl100k_base's pre-tokenisation pattern. */
  public static final String PATTERN =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
          + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  private static final String RANKS = "/com/knuddels/jtokkit/cl100k_base.tiktoken";

  /** dolma2's added tokens from id 100256 on, with their "special" flag. */
  private static final List<Map.Entry<String, Boolean>> ADDED =
      List.of(
          Map.entry("<|extra_id_0|>", false),
          Map.entry("<|endoftext|>", true),
          Map.entry("<|fim_prefix|>", true),
          Map.entry("<|fim_middle|>", true),
          Map.entry("<|fim_suffix|>", true),
          Map.entry("|||PHONE_NUMBER|||", false),
          Map.entry("|||EMAIL_ADDRESS|||", false),
          Map.entry("|||IP_ADDRESS|||", false),
          Map.entry("<|im_start|>", true),
          Map.entry("<|im_end|>", true),
          Map.entry("<|extra_id_1|>", false),
          Map.entry("<|extra_id_2|>", false),
          Map.entry("<|extra_id_3|>", false),
          Map.entry("<|extra_id_4|>", false),
          Map.entry("<|extra_id_5|>", false),
          Map.entry("<|extra_id_6|>", false),
          Map.entry("<|extra_id_7|>", false),
          Map.entry("<|extra_id_8|>", false),
          Map.entry("<|extra_id_9|>", false),
          Map.entry("<|extra_id_10|>", false),
          Map.entry("<|endofprompt|>", true),
          Map.entry("<|pad|>", true));

  public static final int FIRST_ADDED_ID = 100256;

  private final ObjectMapper json;

  public Dolma2Tokenizer(ObjectMapper json) {
    this.json = json;
  }

  /** Whether the added token at {@code index} (id {@link #FIRST_ADDED_ID} + index) is special. */
  public static boolean isSpecial(int index) {
    return ADDED.get(index).getValue();
  }

  /** The added tokens' contents in id order. */
  public static List<String> addedTokens() {
    return ADDED.stream().map(Map.Entry::getKey).toList();
  }

  public ObjectNode tokenizerJson() {
    List<byte[]> ranks = readRanks();
    String[] pieces = new String[ranks.size()];
    Map<String, Integer> vocab = new HashMap<>();
    for (int i = 0; i < pieces.length; i++) {
      pieces[i] = ByteLevel.encode(ranks.get(i));
      vocab.put(pieces[i], i);
    }
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < ADDED.size(); i++) {
      ObjectNode t = added.addObject();
      t.put("id", FIRST_ADDED_ID + i);
      t.put("content", ADDED.get(i).getKey());
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", ADDED.get(i).getValue());
    }
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "Sequence");
    ArrayNode seq = pre.putArray("pretokenizers");
    ObjectNode split = seq.addObject();
    split.put("type", "Split");
    split.putObject("pattern").put("Regex", PATTERN);
    split.put("behavior", "Isolated");
    split.put("invert", false);
    ObjectNode byteLevel = seq.addObject();
    byteLevel.put("type", "ByteLevel");
    byteLevel.put("add_prefix_space", false);
    byteLevel.put("trim_offsets", true);
    byteLevel.put("use_regex", false);
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "ByteLevel");
    post.put("add_prefix_space", true);
    post.put("trim_offsets", false);
    post.put("use_regex", true);
    ObjectNode decoder = root.putObject("decoder");
    decoder.put("type", "ByteLevel");
    decoder.put("add_prefix_space", true);
    decoder.put("trim_offsets", true);
    decoder.put("use_regex", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", true);
    ObjectNode v = model.putObject("vocab");
    for (String p : pieces) {
      v.put(p, vocab.get(p));
    }
    ArrayNode merges = model.putArray("merges");
    for (String m : merges(pieces, vocab)) {
      merges.add(m);
    }
    return root;
  }

  private static List<String> merges(String[] pieces, Map<String, Integer> vocab) {
    List<String> out = new ArrayList<>();
    List<int[]> local = new ArrayList<>();
    for (String token : pieces) {
      local.clear();
      for (int cut = 1; cut < token.length(); cut++) {
        Integer left = vocab.get(token.substring(0, cut));
        Integer right = vocab.get(token.substring(cut));
        if (left != null && right != null) {
          local.add(new int[] {left, right});
        }
      }
      local.sort(Comparator.<int[]>comparingInt(a -> a[0]).thenComparingInt(a -> a[1]));
      for (int[] m : local) {
        out.add(pieces[m[0]] + " " + pieces[m[1]]);
      }
    }
    return out;
  }

  private static List<byte[]> readRanks() {
    List<byte[]> ranks = new ArrayList<>();
    try (InputStream in = Dolma2Tokenizer.class.getResourceAsStream(RANKS)) {
      if (in == null) {
        throw new EngineException(
            "cl100k_base ranks not found on the class path (" + RANKS + ")",
            "the engine needs com.knuddels:jtokkit on its class path");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        int space = line.indexOf(' ');
        int rank = Integer.parseInt(line.substring(space + 1).trim());
        if (rank != ranks.size()) {
          throw new EngineException("cl100k ranks are not dense at " + rank, "");
        }
        ranks.add(Base64.getDecoder().decode(line.substring(0, space)));
      }
    } catch (IOException e) {
      throw new EngineException("cannot read cl100k ranks: " + e.getMessage(), "", e);
    }
    return ranks;
  }
}
