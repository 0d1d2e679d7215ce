package dev.orchestrate.engine.chat;

import dev.orchestrate.engine.EngineException;
import java.util.Map;

/** One turn of a conversation, as transformers' apply_chat_template takes it. */
public record ChatMessage(String role, String content) {
  public ChatMessage {
    if (role == null || role.isBlank() || content == null) {
      throw new EngineException(
          "a chat message needs a role and a content",
          "e.g. {\"role\":\"user\",\"content\":\"…\"}");
    }
  }

  /** The message as the template sees it: {@code message['role']}, {@code message.content}. */
  Map<String, Object> asTemplateValue() {
    return Map.of("role", role, "content", content);
  }
}
