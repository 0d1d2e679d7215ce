package dev.orchestrate.engine.chat;

import java.nio.file.Path;
import java.util.List;

/**
 * The text `generate --chat` feeds the model: one user message rendered with the snapshot's chat
 * template and the generation prompt, as transformers' {@code apply_chat_template(messages,
 * add_generation_prompt=True)} renders it. Its special tokens (the template's bos_token) are
 * recognised by the tokenizer as the added tokens they are, so no other BOS is added.
 */
public final class ChatPrompt {
  private ChatPrompt() {}

  /** The prompt text for the snapshot in {@code dir}. */
  public static String of(Path dir, String userMessage) {
    return ChatTemplate.load(dir).render(List.of(new ChatMessage("user", userMessage)), true);
  }
}
