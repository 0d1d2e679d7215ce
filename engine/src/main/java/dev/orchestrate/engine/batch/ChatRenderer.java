package dev.orchestrate.engine.batch;

import dev.orchestrate.engine.chat.ChatMessage;
import java.util.List;

/** Renders chat messages into the prompt text the model was trained on (its chat template). */
@FunctionalInterface
public interface ChatRenderer {
  String render(List<ChatMessage> messages);
}
