package dev.orchestrate.vast.fetch;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Progress;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.run.HubPin;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.sync.ManifestEntry;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.Connector;
import dev.orchestrate.core.transport.ExecResult;
import dev.orchestrate.core.transport.Output;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.hub.HubToken;
import dev.orchestrate.hub.Pin;
import dev.orchestrate.hub.RepoFile;
import dev.orchestrate.ssh.RemoteMachine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The sync step's other mode ({@code assets.fetch: target}): the machine pulls the {@code hf://}
 * source itself, at the commit resolved once on this host, with the engine runtime's {@code
 * bin/engine assets pull} (the same code, the same sha256 list), into {@code orchestrate/<assets
 * dir>}, where its pin and verified-file cache keep it for the next run (0 bytes moved). Its JSON
 * lines become progress events; its pin comes back into the run folder, checked against the
 * listing, and its files make the run's manifest.
 *
 * <p>The token ({@code HF_TOKEN} or the Hub's token file on this host) reaches the machine only on
 * the command's stdin, read by the remote shell into the pull's environment: never on a command
 * line, in a file, or in a log line.
 */
public final class FetchOnTargetStep implements Step {
  private static final int FILE_MODE = 0644;
  private static final Duration PULL_TIMEOUT = Duration.ofHours(6);
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Connector connector;
  private final RemoteMachine remote;
  private final HubResolution hub;
  private final String source;
  private final String assetsDir;
  private final Clock clock;

  /** {@code assetsDir}: the profile's {@code assets.dir}, under the machine's project folder. */
  public FetchOnTargetStep(
      Connector connector,
      RemoteMachine remote,
      HubResolution hub,
      String source,
      String assetsDir,
      Clock clock) {
    this.connector = connector;
    this.remote = remote;
    this.hub = hub;
    this.source = source;
    this.assetsDir = assetsDir;
    this.clock = clock;
  }

  @Override
  public StepId id() {
    return StepId.SYNC;
  }

  @Override
  public String title() {
    return "Pull assets on the machine";
  }

  @Override
  public PlannedStep plan() {
    Optional<HubResolution.Resolved> r = hub.tryResolve();
    return planned(FetchPlan.detail(source, r, hub.failure()), FetchPlan.estimate(r));
  }

  @Override
  public Optional<Duration> limit() {
    return Optional.of(FetchPlan.estimate(hub.tryResolve()).multipliedBy(4).plusMinutes(5));
  }

  @Override
  public Optional<RetryPolicyName> retryPolicy() {
    return Optional.of(RetryPolicyName.SYNC_RESUME); // a re-run resumes the .part files
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.TRANSPORT;
  }

  @Override
  public String hint() {
    return "run `orchestrate run` again: the pull on the machine resumes where it stopped";
  }

  @Override
  public StepResult run(UpState state) throws Exception {
    HubResolution.Resolved resolved = hub.resolve();
    String dir = RemoteMachine.REMOTE_PROJECT + "/" + assetsDir;
    PullLines lines = new PullLines(state.events(), clock);
    try (Transport t = connector.connect(remote.endpoint(state.requireMachine()))) {
      int exit = t.exec(pullCommand(resolved), lines);
      lines.flush();
      if (exit != 0) {
        throw new OrchestrateException(
            ErrorCode.TRANSPORT,
            "pulling "
                + resolved.pinnedRef()
                + " on the machine failed (exit "
                + exit
                + ")"
                + lines.lastError().map(e -> ": " + e).orElse(""),
            "its output is above; run `orchestrate run` again to resume the pull");
      }
      JsonNode staged =
          lines
              .staged()
              .orElseThrow(
                  () ->
                      new OrchestrateException(
                          ErrorCode.TRANSPORT,
                          "the pull on the machine ended without its `staged` line",
                          "its output is above"));
      ExecResult pinRead = t.run(Command.of("cat " + Command.quote(dir + "/" + HubPin.FILE_NAME)));
      if (!pinRead.succeeded()) {
        throw new OrchestrateException(
            ErrorCode.TRANSPORT,
            "the machine's " + dir + "/" + HubPin.FILE_NAME + " cannot be read",
            pinRead.stderr().trim());
      }
      byte[] pinBytes = pinRead.stdout().getBytes(StandardCharsets.UTF_8);
      Pin pin = JSON.readValue(pinBytes, Pin.class);
      check(resolved, pin, staged);
      keepPin(state.runDir(), pinBytes);
      Manifest m = manifestOf(pin, pinBytes);
      long moved = staged.path("moved").asLong();
      String detail =
          String.format(
              Locale.ROOT,
              "%s bytes from the Hub at %.1f MiB/s on the machine, 0 from this host; %d files,"
                  + " %d bytes, commit %s, manifest %s",
              moved,
              staged.path("bytesPerSecond").asDouble() / (1 << 20),
              pin.files().size(),
              staged.path("bytes").asLong(),
              pin.commit().substring(0, 12),
              m.hash().substring(0, 19));
      UpState next = state.withAssets(m);
      return moved > 0
          ? StepResult.ok(next, detail)
          : StepResult.skipped(next, "already on the machine: " + detail);
    }
  }

  // The remote shell reads the token (one line, maybe empty) from stdin into the pull's
  // environment; HF_ENDPOINT is no secret and rides in the command's environment.
  private Command pullCommand(HubResolution.Resolved r) {
    String line =
        "IFS= read -r HF_TOKEN; if [ -n \"$HF_TOKEN\" ]; then export HF_TOKEN; else unset"
            + " HF_TOKEN; fi; cd "
            + RemoteMachine.REMOTE_PROJECT
            + " && exec bin/engine assets pull "
            + Command.quote(r.pinnedRef())
            + " --dir "
            + Command.quote(assetsDir)
            + " --json";
    String token = hub.settings().token().map(HubToken::value).orElse("");
    return Command.of(line)
        .withEnvironment(Map.of("HF_ENDPOINT", hub.settings().endpoint().toString()))
        .withTimeout(PULL_TIMEOUT)
        .withStdin((token + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The machine's pin names the commit resolved here, the files of the listing with the listing's
   * sizes and LFS sha256, and the content hash its {@code staged} line reported.
   */
  static void check(HubResolution.Resolved r, Pin pin, JsonNode staged) {
    List<String> wrong = new ArrayList<>();
    if (!pin.repo().equals(r.ref().repo()) || !pin.commit().equals(r.commit())) {
      wrong.add("it holds " + pin.pinnedRef() + ", not " + r.pinnedRef());
    }
    Map<String, Pin.File> byPath = new java.util.HashMap<>();
    pin.files().forEach(f -> byPath.put(f.path(), f));
    for (RepoFile f : r.files()) {
      Pin.File got = byPath.get(f.path());
      if (got == null) {
        wrong.add(f.path() + " is missing");
      } else if (got.size() != f.size()
          || f.lfsSha256().map(h -> !h.equals(got.sha256())).orElse(false)) {
        wrong.add(f.path() + " differs from the Hub's listing");
      }
    }
    if (pin.files().size() != r.files().size()) {
      wrong.add(pin.files().size() + " files, the listing has " + r.files().size());
    }
    if (!pin.contentHash().equals(staged.path("contentHash").asText())) {
      wrong.add("its content hash is not the one the pull reported");
    }
    if (!wrong.isEmpty()) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "the weights the machine pulled do not match " + r.pinnedRef() + ": " + wrong,
          "run again: the pull on the machine verifies every file and fetches what differs");
    }
  }

  private static void keepPin(Path runDir, byte[] pinBytes) throws IOException {
    Files.createDirectories(runDir);
    Path tmp = runDir.resolve(HubPin.FILE_NAME + ".tmp");
    Files.write(tmp, pinBytes);
    Files.move(
        tmp,
        runDir.resolve(HubPin.FILE_NAME),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** The machine's folder as its pin (and the pin itself) describe it. */
  static Manifest manifestOf(Pin pin, byte[] pinBytes) {
    List<ManifestEntry> entries = new ArrayList<>();
    pin.files()
        .forEach(f -> entries.add(new ManifestEntry(f.path(), f.size(), FILE_MODE, f.sha256())));
    entries.add(new ManifestEntry(HubPin.FILE_NAME, pinBytes.length, FILE_MODE, sha256(pinBytes)));
    return new Manifest(entries);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The pull's output: JSON lines on stdout become progress, stderr lines log lines. */
  private static final class PullLines implements Output {
    private final EventSink events;
    private final Clock clock;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final AtomicReference<JsonNode> staged = new AtomicReference<>();
    private final AtomicReference<String> lastError = new AtomicReference<>();

    PullLines(EventSink events, Clock clock) {
      this.events = events;
      this.clock = clock;
    }

    @Override
    public synchronized void stdout(byte[] bytes, int offset, int length) {
      split(out, bytes, offset, length, this::onStdout);
    }

    @Override
    public synchronized void stderr(byte[] bytes, int offset, int length) {
      split(err, bytes, offset, length, this::onStderr);
    }

    synchronized void flush() {
      if (out.size() > 0) {
        onStdout(out.toString(StandardCharsets.UTF_8));
        out.reset();
      }
      if (err.size() > 0) {
        onStderr(err.toString(StandardCharsets.UTF_8));
        err.reset();
      }
    }

    Optional<JsonNode> staged() {
      return Optional.ofNullable(staged.get());
    }

    Optional<String> lastError() {
      return Optional.ofNullable(lastError.get());
    }

    private static void split(
        ByteArrayOutputStream buf,
        byte[] bytes,
        int offset,
        int length,
        java.util.function.Consumer<String> line) {
      for (int i = offset; i < offset + length; i++) {
        if (bytes[i] == '\n') {
          line.accept(buf.toString(StandardCharsets.UTF_8));
          buf.reset();
        } else {
          buf.write(bytes[i]);
        }
      }
    }

    private void onStdout(String line) {
      JsonNode n;
      try {
        n = JSON.readTree(line);
      } catch (IOException e) {
        n = null;
      }
      if (n == null || !n.isObject()) {
        events.accept(new LogLine(clock.instant(), "assets pull", LogLine.Stream.STDOUT, line));
        return;
      }
      switch (n.path("event").asText()) {
        case "progress" ->
            events.accept(
                Progress.bytes(
                    clock.instant(),
                    StepId.SYNC.id(),
                    n.path("done").asLong(),
                    n.path("total").asLong()));
        case "staged" -> {
          staged.set(n);
          long total = n.path("bytes").asLong();
          events.accept(Progress.bytes(clock.instant(), StepId.SYNC.id(), total, total));
        }
        default -> {}
      }
    }

    private void onStderr(String line) {
      if (!line.isBlank()) {
        lastError.set(line.strip());
        events.accept(new LogLine(clock.instant(), "assets pull", LogLine.Stream.STDERR, line));
      }
    }
  }
}
