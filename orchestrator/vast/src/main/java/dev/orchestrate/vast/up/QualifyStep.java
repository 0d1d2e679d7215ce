package dev.orchestrate.vast.up;

import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.transport.Connector;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.ssh.qualify.HostQualifier;
import dev.orchestrate.ssh.qualify.Qualification;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The work of the {@code qualify} step: {@link HostQualifier} on a fresh machine. */
public final class QualifyStep {
  private static final Pattern IMAGE_CUDA = Pattern.compile("cuda[:\\-_]?(\\d+)\\.(\\d+)");

  private final Connector connector;
  private final HostQualifier qualifier;

  public QualifyStep(Connector connector, HostQualifier qualifier) {
    this.connector = connector;
    this.qualifier = qualifier;
  }

  /** Checks the host behind {@code endpoint}; the result says whether it passed and why not. */
  public Qualification check(Endpoint endpoint, int gpus, String image, Manifest assets) {
    try (Transport t = connector.connect(endpoint)) {
      return qualifier.check(
          t, gpus, cudaOf(image), assets.totalBytes() + HostQualifier.RUNTIME_BYTES);
    }
  }

  /** What a failed qualification says, for the step's end. */
  public static String problems(Qualification q) {
    return String.join("; ", q.hostProblems())
        + (q.hostProblems().isEmpty() || q.imageProblems().isEmpty() ? "" : "; ")
        + String.join("; ", q.imageProblems());
  }

  /** The CUDA version an image needs, from its name ({@code nvidia/cuda:12.8.1-...}). */
  static Optional<Double> cudaOf(String image) {
    Matcher m = IMAGE_CUDA.matcher(image == null ? "" : image.toLowerCase(java.util.Locale.ROOT));
    return m.find()
        ? Optional.of(Double.parseDouble(m.group(1) + "." + m.group(2)))
        : Optional.empty();
  }
}
