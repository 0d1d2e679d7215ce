package dev.orchestrate.engine.batch;

import dev.orchestrate.engine.chat.ChatMessage;
import java.util.List;

/**
 * One line of a prompt file, validated: an id, either a prompt or chat messages, and the sampling
 * fields the line sets ({@code null} where it leaves them to the command line's defaults).
 *
 * @param line the 1-based line number in the file, for messages about it
 */
public record PromptSpec(
    int line,
    String id,
    String prompt,
    List<ChatMessage> messages,
    Integer maxNewTokens,
    Double temperature,
    Double topP,
    Long seed,
    List<String> stop) {
  public PromptSpec {
    messages = messages == null ? null : List.copyOf(messages);
    stop = stop == null ? List.of() : List.copyOf(stop);
  }
}
