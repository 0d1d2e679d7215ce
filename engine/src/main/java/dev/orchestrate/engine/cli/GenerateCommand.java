package dev.orchestrate.engine.cli;

import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.Backends;
import dev.orchestrate.engine.generate.GenerationRequest;
import dev.orchestrate.engine.generate.GenerationResult;
import dev.orchestrate.engine.generate.Generator;
import dev.orchestrate.engine.hf.HfRunner;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.engine.tokenizer.HfTokenizer;
import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code engine generate}: streams a completion, then one metrics JSON line. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Generate a completion; prints it as it is produced, then a metrics JSON line.")
final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--snapshot", required = true, description = "snapshot directory")
  Path snapshot;

  @Option(names = "--prompt", required = true)
  String prompt;

  @Option(names = "--max-new-tokens", defaultValue = "64")
  int maxNewTokens;

  @Option(names = "--backend", defaultValue = "reference", description = "reference, custom or hf")
  String backend;

  @Mixin SamplingOptions sampling = new SamplingOptions();

  private final Console console;

  GenerateCommand(Console console) {
    this.console = console;
  }

  @Override
  public Integer call() {
    if (backend.equals("hf")) {
      String python = System.getenv().getOrDefault("ENGINE_PYTHON", "python3");
      return new HfRunner(python, console.err())
          .generate(snapshot, prompt, maxNewTokens, sampling.params());
    }
    Snapshot snap = Snapshot.open(snapshot);
    try (TextTokenizer tokenizer = HfTokenizer.load(snap.tokenizerJson())) {
      int[] ids = tokenizer.encode(prompt);
      int capacity = Math.min(snap.config().maxPositions(), ids.length + maxNewTokens);
      Set<Integer> stops = new HashSet<>(snap.generation().eosTokenIds());
      GenerationRequest request =
          new GenerationRequest(ids, maxNewTokens, sampling.params(), stops);
      try (Backend model = Backends.installed().get(backend).open(snap, capacity)) {
        Generator generator = new Generator(model, tokenizer, snap.fingerprint(), System::nanoTime);
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
    }
    return 0;
  }
}
