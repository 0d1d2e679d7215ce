package dev.orchestrate.engine.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.chat.ChatMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a JSONL prompt file (docs/prompts.md) and validates the whole of it before anything runs:
 * every bad line is reported in one error, with its line number and what is wrong. Blank lines are
 * skipped.
 */
public final class PromptFileReader {
  static final Set<String> KEYS =
      Set.of("id", "prompt", "messages", "max_new_tokens", "temperature", "top_p", "seed", "stop");

  private final ObjectMapper json =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  public PromptFile read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new EngineException(
          "cannot read the prompt file " + file + ": " + e.getMessage(),
          "check the path given to --prompts",
          e);
    }
    LineProblems problems = new LineProblems();
    List<PromptSpec> prompts = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String text = lines.get(i).strip();
      if (text.isEmpty()) {
        continue;
      }
      int line = i + 1;
      PromptSpec spec = parse(text, line, seen, problems);
      if (spec != null) {
        prompts.add(spec);
      }
    }
    problems.throwIfAny(
        file,
        "break the prompt file contract",
        "fix them (docs/prompts.md); nothing was generated");
    if (prompts.isEmpty()) {
      throw new EngineException(
          file + " holds no prompts",
          "one JSON object per line: {\"id\": \"a\", \"prompt\": \"Hello\"}");
    }
    return new PromptFile(file, prompts);
  }

  /** The line's prompt, or null after recording why it is not one. */
  private PromptSpec parse(
      String text, int line, Map<String, Integer> seen, LineProblems problems) {
    JsonNode node;
    try {
      node = json.readTree(text);
    } catch (JsonProcessingException e) {
      problems.add(line, "not valid JSON (" + e.getOriginalMessage() + ")");
      return null;
    }
    if (!node.isObject()) {
      problems.add(line, "not a JSON object");
      return null;
    }
    int before = problems.all().size();
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!KEYS.contains(name)) {
        problems.add(
            line, "unknown key \"" + name + "\" (known: " + String.join(", ", sorted()) + ")");
      }
    }
    String id = null;
    JsonNode idNode = node.get("id");
    if (idNode == null || idNode.isNull()) {
      problems.add(line, "missing \"id\"");
    } else if (!idNode.isTextual() || idNode.asText().isEmpty()) {
      problems.add(line, "\"id\" must be a non-empty string");
    } else {
      id = idNode.asText();
      Integer first = seen.putIfAbsent(id, line);
      if (first != null) {
        problems.add(line, "duplicate id \"" + id + "\" (first on line " + first + ")");
      }
    }
    JsonNode prompt = node.get("prompt");
    JsonNode messages = node.get("messages");
    if (prompt != null && messages != null) {
      problems.add(line, "has both \"prompt\" and \"messages\"; give one");
    } else if (prompt == null && messages == null) {
      problems.add(line, "has neither \"prompt\" nor \"messages\"");
    } else if (prompt != null && (!prompt.isTextual() || prompt.asText().isEmpty())) {
      problems.add(line, "\"prompt\" must be a non-empty string");
    }
    List<ChatMessage> chat = messages == null ? null : messages(messages, line, problems);
    Integer maxNewTokens = null;
    JsonNode max = node.get("max_new_tokens");
    if (max != null) {
      if (!max.isIntegralNumber() || !max.canConvertToInt() || max.asInt() < 1) {
        problems.add(line, "\"max_new_tokens\" must be an integer >= 1, not " + max);
      } else {
        maxNewTokens = max.asInt();
      }
    }
    Double temperature = number(node, "temperature", line, problems);
    if (temperature != null && temperature < 0) {
      problems.add(line, "\"temperature\" must be >= 0 (0 = greedy), not " + temperature);
    }
    Double topP = number(node, "top_p", line, problems);
    if (topP != null && !(topP > 0 && topP <= 1)) {
      problems.add(line, "\"top_p\" must be in (0, 1], not " + topP);
    }
    Long seed = null;
    JsonNode seedNode = node.get("seed");
    if (seedNode != null) {
      if (!seedNode.isIntegralNumber() || !seedNode.canConvertToLong()) {
        problems.add(line, "\"seed\" must be an integer (64-bit), not " + seedNode);
      } else {
        seed = seedNode.asLong();
      }
    }
    List<String> stop = stops(node.get("stop"), line, problems);
    if (problems.all().size() > before) {
      return null;
    }
    return new PromptSpec(
        line,
        id,
        prompt == null ? null : prompt.asText(),
        chat,
        maxNewTokens,
        temperature,
        topP,
        seed,
        stop);
  }

  private static List<ChatMessage> messages(JsonNode node, int line, LineProblems problems) {
    if (!node.isArray() || node.isEmpty()) {
      problems.add(line, "\"messages\" must be a non-empty list of {role, content}");
      return null;
    }
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode m = node.get(i);
      JsonNode role = m.get("role");
      JsonNode content = m.get("content");
      if (!m.isObject()
          || role == null
          || !role.isTextual()
          || content == null
          || !content.isTextual()) {
        problems.add(
            line, "\"messages\"[" + i + "] must be {\"role\": string, \"content\": string}");
        return null;
      }
      out.add(new ChatMessage(role.asText(), content.asText()));
    }
    return out;
  }

  private static Double number(JsonNode node, String key, int line, LineProblems problems) {
    JsonNode n = node.get(key);
    if (n == null) {
      return null;
    }
    if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
      problems.add(line, "\"" + key + "\" must be a number, not " + n);
      return null;
    }
    return n.asDouble();
  }

  private static List<String> stops(JsonNode node, int line, LineProblems problems) {
    if (node == null) {
      return List.of();
    }
    if (!node.isArray()) {
      problems.add(line, "\"stop\" must be a list of strings");
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (JsonNode s : node) {
      if (!s.isTextual() || s.asText().isEmpty()) {
        problems.add(line, "\"stop\" holds " + s + "; each entry must be a non-empty string");
        return List.of();
      }
      out.add(s.asText());
    }
    return out;
  }

  private static List<String> sorted() {
    return KEYS.stream().sorted().toList();
  }
}
