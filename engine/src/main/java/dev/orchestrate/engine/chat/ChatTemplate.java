package dev.orchestrate.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.orchestrate.engine.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A snapshot's own chat template, rendered by a Jinja implementation (Jinjava) the way
 * transformers' {@code apply_chat_template} renders it: blocks trimmed and left-stripped, the
 * context holding {@code messages}, {@code add_generation_prompt}, the tokenizer's special tokens
 * ({@code bos_token}, {@code eos_token}, {@code pad_token}, {@code unk_token}) and the {@code
 * raise_exception(message)} helper.
 *
 * <p>The template comes from {@code chat_template.jinja} when the snapshot has one (newer
 * transformers save it there), otherwise from tokenizer_config.json's {@code chat_template}: a
 * string, or a list of named templates of which "default" is used.
 */
public final class ChatTemplate {
  static final String CONFIG = "tokenizer_config.json";
  static final String JINJA_FILE = "chat_template.jinja";
  private static final List<String> SPECIAL =
      List.of("bos_token", "eos_token", "pad_token", "unk_token");

  private final String template;
  private final Map<String, String> specialTokens;
  private final String source;
  private final Jinjava jinja;

  ChatTemplate(String template, Map<String, String> specialTokens, String source) {
    this.template = template;
    this.specialTokens = Map.copyOf(specialTokens);
    this.source = source;
    this.jinja =
        new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
    jinja
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", TemplateRaised.class, "raise", String.class));
  }

  /** The chat template of the snapshot in {@code dir}. */
  public static ChatTemplate load(Path dir) {
    Path configFile = dir.resolve(CONFIG);
    JsonNode config;
    try {
      config =
          Files.isRegularFile(configFile)
              ? new ObjectMapper().readTree(Files.readString(configFile))
              : new ObjectMapper().createObjectNode();
    } catch (IOException e) {
      throw new EngineException("cannot read " + configFile + ": " + e.getMessage(), "", e);
    }
    Map<String, String> special = new HashMap<>();
    for (String key : SPECIAL) {
      JsonNode t = config.get(key);
      if (t != null && t.isTextual()) {
        special.put(key, t.asText());
      } else if (t != null && t.has("content")) { // saved as an AddedToken object
        special.put(key, t.get("content").asText());
      }
    }
    Path jinjaFile = dir.resolve(JINJA_FILE);
    try {
      if (Files.isRegularFile(jinjaFile)) {
        return new ChatTemplate(Files.readString(jinjaFile), special, jinjaFile.toString());
      }
    } catch (IOException e) {
      throw new EngineException("cannot read " + jinjaFile + ": " + e.getMessage(), "", e);
    }
    return new ChatTemplate(templateOf(config, configFile), special, configFile.toString());
  }

  private static String templateOf(JsonNode config, Path file) {
    JsonNode t = config.get("chat_template");
    if (t != null && t.isTextual()) {
      return t.asText();
    }
    if (t != null && t.isArray()) {
      for (JsonNode named : t) {
        if (named.path("name").asText().equals("default") && named.get("template") != null) {
          return named.get("template").asText();
        }
      }
    }
    throw new EngineException(
        "the snapshot has no chat template (" + file + " has no chat_template)",
        "--chat is for -Instruct (or -SFT/-DPO) snapshots; give a base model a plain --prompt");
  }

  /**
   * The conversation as the model expects it; with {@code addGenerationPrompt}, followed by the
   * start of the assistant's turn.
   */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    Map<String, Object> context = new HashMap<>(specialTokens);
    context.put("messages", messages.stream().map(ChatMessage::asTemplateValue).toList());
    context.put("add_generation_prompt", addGenerationPrompt);
    RenderResult result = jinja.renderForResult(template, context);
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw failure(error);
      }
    }
    return result.getOutput();
  }

  private EngineException failure(TemplateError error) {
    for (Throwable t = error.getException(); t != null; t = t.getCause()) {
      if (t instanceof TemplateRaised raised) {
        return new EngineException(
            "the chat template of " + source + " refused the conversation: " + raised.getMessage(),
            "the template's own rule; change the messages (roles, order) to what it accepts");
      }
    }
    return new EngineException(
        "cannot render the chat template of " + source + ": " + error.getMessage(),
        "the template uses Jinja beyond what Jinjava implements, or is malformed");
  }

  /** What the template's {@code raise_exception(message)} throws. */
  public static final class TemplateRaised extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TemplateRaised(String message) {
      super(message);
    }

    /** The function the template calls. */
    public static String raise(String message) {
      throw new TemplateRaised(message);
    }
  }
}
