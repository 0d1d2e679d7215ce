package dev.orchestrate.engine.batch;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.generate.SamplingParams;
import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns validated prompt lines into jobs: the text (or the chat messages through the chat template)
 * to token ids, the line's sampling fields over the command line's defaults. Problems that only
 * show now (no chat template, a prompt longer than the model's context) are collected for all lines
 * and reported together, before anything is generated.
 */
public final class PromptEncoder {
  /** The command line's values for what a line leaves out. */
  public record Defaults(int maxNewTokens, SamplingParams sampling) {}

  private final TextTokenizer tokenizer;
  private final ChatRenderer chat;
  private final Defaults defaults;
  private final Set<Integer> eosIds;
  private final int maxPositions;

  /**
   * @param chat the chat template, or null where this engine has none (a {@code messages} line is
   *     then refused)
   */
  public PromptEncoder(
      TextTokenizer tokenizer,
      ChatRenderer chat,
      Defaults defaults,
      Set<Integer> eosIds,
      int maxPositions) {
    this.tokenizer = tokenizer;
    this.chat = chat;
    this.defaults = defaults;
    this.eosIds = Set.copyOf(eosIds);
    this.maxPositions = maxPositions;
  }

  public List<BatchJob> encode(Path file, List<PromptSpec> prompts) {
    LineProblems problems = new LineProblems();
    List<BatchJob> jobs = new ArrayList<>();
    for (PromptSpec p : prompts) {
      String text;
      if (p.messages() != null) {
        if (chat == null) {
          problems.add(
              p.line(), "\"messages\" needs the model's chat template; give a \"prompt\" instead");
          continue;
        }
        try {
          text = chat.render(p.messages());
        } catch (EngineException e) {
          // A base snapshot has no chat template: named per line, with every other problem.
          problems.add(p.line(), "\"messages\": " + e.getMessage());
          continue;
        }
      } else {
        text = p.prompt();
      }
      int[] ids = tokenizer.encode(text);
      if (ids.length == 0) {
        problems.add(p.line(), "the prompt encodes to no tokens");
        continue;
      }
      if (ids.length >= maxPositions) {
        problems.add(
            p.line(),
            "the prompt has "
                + ids.length
                + " tokens; the model holds "
                + maxPositions
                + " positions in all, and at least one must be left to generate");
        continue;
      }
      SamplingParams d = defaults.sampling();
      SamplingParams sampling =
          new SamplingParams(
              p.temperature() != null ? p.temperature() : d.temperature(),
              p.topP() != null ? p.topP() : d.topP(),
              d.topK(),
              p.seed() != null ? p.seed() : d.seed());
      jobs.add(
          new BatchJob(
              p.id(),
              ids,
              p.maxNewTokens() != null ? p.maxNewTokens() : defaults.maxNewTokens(),
              sampling,
              p.stop(),
              eosIds));
    }
    problems.throwIfAny(file, "cannot run", "fix them (docs/prompts.md); nothing was generated");
    return jobs;
  }
}
