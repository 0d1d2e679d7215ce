package dev.orchestrate.vast.up;

import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.transport.Connector;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Transport;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code qualify} step: {@link HostQualifier} on a fresh machine, reported as a step. */
public final class QualifyStep {
  private static final Pattern IMAGE_CUDA = Pattern.compile("cuda[:\\-_]?(\\d+)\\.(\\d+)");

  /** What the engine runtime takes on disk, with room to unpack it beside an older one. */
  private static final long RUNTIME_BYTES = 400L << 20;

  private final Connector connector;
  private final HostQualifier qualifier;

  public QualifyStep(Connector connector, HostQualifier qualifier) {
    this.connector = connector;
    this.qualifier = qualifier;
  }

  public Qualification run(
      Machine machine, Endpoint endpoint, int gpus, String image, Manifest assets, Steps steps)
      throws Exception {
    return steps.run(
        "qualify",
        "Qualify the host",
        () -> {
          Qualification q;
          try (Transport t = connector.connect(endpoint)) {
            q = qualifier.check(t, gpus, cudaOf(image), assets.totalBytes() + RUNTIME_BYTES);
          }
          return q.passed()
              ? Steps.Result.ok(q, q.summary())
              : new Steps.Result<>(
                  q,
                  StepEnded.Outcome.FAILED,
                  String.join("; ", q.hostProblems())
                      + (q.hostProblems().isEmpty() || q.imageProblems().isEmpty() ? "" : "; ")
                      + String.join("; ", q.imageProblems()));
        });
  }

  /** The CUDA version an image needs, from its name ({@code nvidia/cuda:12.8.1-...}). */
  static Optional<Double> cudaOf(String image) {
    Matcher m = IMAGE_CUDA.matcher(image == null ? "" : image.toLowerCase(java.util.Locale.ROOT));
    return m.find()
        ? Optional.of(Double.parseDouble(m.group(1) + "." + m.group(2)))
        : Optional.empty();
  }
}
