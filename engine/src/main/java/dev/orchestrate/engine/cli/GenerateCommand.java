package dev.orchestrate.engine.cli;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.chat.ChatPrompt;
import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.BackendProvider;
import dev.orchestrate.engine.generate.Backends;
import dev.orchestrate.engine.generate.GenerationRequest;
import dev.orchestrate.engine.generate.GenerationResult;
import dev.orchestrate.engine.generate.Generator;
import dev.orchestrate.engine.hf.HfRunner;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.engine.tokenizer.HfTokenizer;
import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code engine generate}: streams a completion, then one metrics JSON line. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Generate a completion; prints it as it is produced, then a metrics JSON line.",
      "With --prompts FILE.jsonl --out RESULTS.jsonl: every prompt of the file, batched."
    })
final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--snapshot", required = true, description = "snapshot directory")
  Path snapshot;

  @Option(names = "--prompt", description = "the prompt (or --prompts FILE.jsonl)")
  String prompt;

  @Option(
      names = "--chat",
      description =
          "treat --prompt as a user message and render it with the snapshot's own chat_template"
              + " (tokenizer_config.json of an -Instruct repo), generation prompt added")
  boolean chat;

  @Option(names = "--max-new-tokens", defaultValue = "64")
  int maxNewTokens;

  @Option(names = "--backend", defaultValue = "reference", description = "reference, custom or hf")
  String backend;

  @Mixin SamplingOptions sampling = new SamplingOptions();

  @Mixin PromptFileOptions promptFile = new PromptFileOptions();

  private final Console console;

  GenerateCommand(Console console) {
    this.console = console;
  }

  @Override
  public Integer call() {
    if (promptFile.given()) {
      return promptFile.run(console, snapshot, backend, prompt, maxNewTokens, sampling.params());
    }
    if (prompt == null) {
      throw new EngineException("give --prompt TEXT or --prompts FILE.jsonl", "");
    }
    String promptText = chat ? ChatPrompt.of(snapshot, prompt) : prompt;
    if (backend.equals("hf")) {
      String python = System.getenv().getOrDefault("ENGINE_PYTHON", "python3");
      return new HfRunner(python, console.err())
          .generate(snapshot, promptText, maxNewTokens, sampling.params());
    }
    Snapshot snap = Snapshot.open(snapshot);
    BackendProvider provider = Backends.installed().get(backend);
    // A prompt has at most as many tokens as UTF-8 bytes, so the cache can be sized before the
    // tokenizer is ready; loading tokenizer and weights side by side saves most of a second.
    int bound = promptText.getBytes(StandardCharsets.UTF_8).length + maxNewTokens;
    int capacity = Math.min(snap.config().maxPositions(), bound);
    CompletableFuture<TextTokenizer> tokenizerLoad =
        CompletableFuture.supplyAsync(() -> HfTokenizer.load(snap.tokenizerJson()));
    CompletableFuture<String> fingerprint = CompletableFuture.supplyAsync(snap::fingerprint);
    Backend model;
    try {
      model = provider.open(snap, capacity);
    } catch (RuntimeException e) {
      tokenizerLoad.thenAccept(TextTokenizer::close);
      throw e;
    }
    try (model;
        TextTokenizer tokenizer = await(tokenizerLoad)) {
      int[] ids = tokenizer.encode(promptText);
      Set<Integer> stops = new HashSet<>(snap.generation().eosTokenIds());
      GenerationRequest request =
          new GenerationRequest(ids, maxNewTokens, sampling.params(), stops);
      Generator generator = new Generator(model, tokenizer, await(fingerprint), System::nanoTime);
      GenerationResult result =
          generator.generate(
              request,
              text -> {
                console.out().print(text);
                console.out().flush();
              });
      console.out().println();
      console.out().println(result.metrics().toJsonLine());
    }
    return 0;
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }
}
