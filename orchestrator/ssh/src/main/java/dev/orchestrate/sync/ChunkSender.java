package dev.orchestrate.sync;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.sync.ManifestEntry;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.ExecResult;
import dev.orchestrate.core.transport.Output;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.sync.RemoteState.RemoteEntry;
import dev.orchestrate.sync.TransferPlan.Chunk;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * One stream's work: writes chunks into the partial file on the machine with {@code dd} at their
 * offset, journals a chunk only when {@code dd} reports exactly its length (a dropped connection
 * ends {@code dd}'s input early, so a short chunk is never journaled), and finishes a file by
 * hashing it there, comparing with the local hash and renaming it into place.
 */
final class ChunkSender {
  private static final Duration CHUNK_TIMEOUT = Duration.ofMinutes(30);
  private static final Map<String, String> C_LOCALE = Map.of("LC_ALL", "C");

  private final Transport transport;
  private final RemoteLayout layout;
  private final Path localRoot;
  private final TransferMeter meter;
  private final Cancellation cancellation;

  ChunkSender(
      Transport transport,
      RemoteLayout layout,
      Path localRoot,
      TransferMeter meter,
      Cancellation cancellation) {
    this.transport = transport;
    this.layout = layout;
    this.localRoot = localRoot;
    this.meter = meter;
    this.cancellation = cancellation;
  }

  Transport transport() {
    return transport;
  }

  void send(Chunk chunk) {
    ManifestEntry e = chunk.file().entry;
    String partial = layout.q(layout.partial(e));
    String line =
        "out=$(dd of="
            + partial
            + " bs=1M iflag=fullblock oflag=seek_bytes conv=notrunc seek="
            + chunk.offset()
            + " 2>&1) || { echo \"$out\" >&2; exit 1; }; case \"$out\" in *\"records out\n"
            + chunk.length()
            + " byte\"*) echo "
            + chunk.index()
            + " >> "
            + layout.q(layout.journal(e))
            + " ;; *) echo \"short chunk: $out\" >&2; exit 9 ;; esac";
    Output.Collector output = Output.collect();
    int exit;
    // Ctrl-C ends the input early: dd writes less than the chunk, so it is never journaled.
    try (InputStream in =
        new CancellableInput(
            new FileSlice(localRoot.resolve(e.path()), chunk.offset(), chunk.length(), meter::add),
            cancellation)) {
      exit =
          transport.exec(
              Command.of(line).withEnvironment(C_LOCALE).withTimeout(CHUNK_TIMEOUT), in, output);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    if (exit != 0 && cancellation.isCancelled()) {
      throw interrupted();
    }
    if (exit != 0) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "writing "
              + e.path()
              + " (chunk "
              + chunk.index()
              + ") on "
              + transport.endpoint().machineId()
              + " failed: "
              + output.stderr().trim(),
          "check free disk space under " + layout.root() + " (df -h); running sync again resumes");
    }
  }

  static OrchestrateException interrupted() {
    return new OrchestrateException(
        ErrorCode.INTERRUPTED,
        "sync interrupted",
        "the chunks that landed whole are journaled on the machine: syncing again resumes there");
  }

  /**
   * Hashes the partial file on the machine; if it matches, sets its mode and renames it into place
   * (readers never see half a file) and returns its manifest entry with the stat it now has.
   */
  RemoteEntry finish(ManifestEntry e) {
    String partial = layout.q(layout.partial(e));
    String target = layout.q(e.path());
    String parent = e.path().contains("/") ? e.path().substring(0, e.path().lastIndexOf('/')) : "";
    String line =
        "[ -e "
            + partial
            + " ] || : > "
            + partial
            + "; h=$("
            + RemoteLayout.sha256Of(partial)
            + ") || exit 4; h=${h%% *}; if [ \"$h\" != "
            + e.sha256()
            + " ]; then rm -f "
            + partial
            + " "
            + layout.q(layout.journal(e))
            + "; echo \"sha256 mismatch: got $h\" >&2; exit 3; fi; chmod "
            + Integer.toOctalString(e.mode())
            + " "
            + partial
            + " && mkdir -p "
            + layout.q(parent.isEmpty() ? "." : parent)
            + " && mv -f "
            + partial
            + " "
            + target
            + " && rm -f "
            + layout.q(layout.journal(e))
            + " && find "
            + target
            + " -printf '%s\\t%T@\\n'";
    ExecResult r = transport.run(Command.of(line).withTimeout(CHUNK_TIMEOUT));
    if (r.exitCode() == 3) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          e.path()
              + " arrived corrupted on "
              + transport.endpoint().machineId()
              + " ("
              + r.stderr().trim()
              + ", expected "
              + e.sha256()
              + ")",
          "the partial copy was removed; run sync again to resend it. If it repeats, check the"
              + " machine's disk and memory");
    }
    if (!r.succeeded()) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "verifying "
              + e.path()
              + " on "
              + transport.endpoint().machineId()
              + " failed: "
              + r.stderr().trim(),
          "check free disk space and permissions under " + layout.root());
    }
    String[] stat = r.stdout().trim().split("\t");
    return new RemoteEntry(e.path(), e.size(), e.mode(), e.sha256(), stat[1]);
  }
}
