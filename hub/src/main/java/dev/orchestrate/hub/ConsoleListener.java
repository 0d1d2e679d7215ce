package dev.orchestrate.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The one rendering of a pull for both front-ends ({@code orchestrate assets} and {@code engine
 * assets}): human lines (progress with rate and ETA every few seconds) or JSON lines, each handed
 * to a line sink that the caller redacts.
 */
public final class ConsoleListener implements PullListener {
  private static final Duration HUMAN_EVERY = Duration.ofSeconds(2);

  private final Consumer<String> lines;
  private final boolean json;
  private final ObjectMapper mapper = new ObjectMapper();
  private long lastHumanMillis;

  public ConsoleListener(Consumer<String> lines, boolean json) {
    this.lines = lines;
    this.json = json;
  }

  @Override
  public synchronized void resolved(RepoListing listing, List<RepoFile> selected, long toFetch) {
    long total = selected.stream().mapToLong(RepoFile::size).sum();
    if (json) {
      emit(
          event("resolved")
              .put("repo", listing.ref().repo())
              .put("revision", listing.ref().revision())
              .put("commit", listing.commit())
              .put("files", selected.size())
              .put("bytes", total)
              .put("toFetch", toFetch));
    } else {
      lines.accept(
          listing.ref()
              + " is commit "
              + listing.commit()
              + ": "
              + selected.size()
              + " of "
              + listing.files().size()
              + " files, "
              + bytes(total)
              + (toFetch == 0 ? ", all in place" : ", " + bytes(toFetch) + " to fetch"));
    }
  }

  @Override
  public synchronized void kept(RepoFile file) {
    if (json) {
      emit(event("kept").put("path", file.path()).put("size", file.size()));
    }
  }

  @Override
  public synchronized void progress(PullProgress p) {
    if (json) {
      ObjectNode n =
          event("progress")
              .put("done", p.done())
              .put("total", p.total())
              .put("bytesPerSecond", Math.round(p.bytesPerSecond()))
              .put("filesDone", p.filesDone())
              .put("files", p.files());
      p.eta().ifPresent(e -> n.put("etaSeconds", e.toSeconds()));
      emit(n);
      return;
    }
    long now = System.currentTimeMillis();
    if (now - lastHumanMillis < HUMAN_EVERY.toMillis() && p.done() < p.total()) {
      return;
    }
    lastHumanMillis = now;
    if (p.total() == 0) {
      return;
    }
    lines.accept(
        String.format(
            Locale.ROOT,
            "  %3d%%  %s / %s  %s/s  ETA %s  (%d/%d files)",
            p.done() * 100 / p.total(),
            bytes(p.done()),
            bytes(p.total()),
            bytes((long) p.bytesPerSecond()),
            p.eta().map(ConsoleListener::clock).orElse("--:--"),
            p.filesDone(),
            p.files()));
  }

  @Override
  public synchronized void done(RepoFile file, long moved, String how) {
    if (json) {
      emit(
          event("file")
              .put("path", file.path())
              .put("size", file.size())
              .put("moved", moved)
              .put("how", how));
    } else {
      lines.accept("  ✓ " + file.path() + "  " + bytes(file.size()) + "  (" + how + ")");
    }
  }

  @Override
  public synchronized void rejected(RepoFile file, String reason) {
    if (json) {
      emit(event("rejected").put("path", file.path()).put("reason", reason));
    } else {
      lines.accept("  ✗ " + file.path() + ": " + reason + "; fetching it again");
    }
  }

  @Override
  public synchronized void retrying(String what, int attempt, Duration wait, String reason) {
    if (json) {
      emit(
          event("retry")
              .put("what", what)
              .put("attempt", attempt)
              .put("waitMillis", wait.toMillis())
              .put("reason", reason));
    } else {
      lines.accept(
          String.format(
              Locale.ROOT,
              "  retry %d of %s in %.1f s: %s",
              attempt,
              what,
              wait.toMillis() / 1000.0,
              reason));
    }
  }

  /** The closing line: what is staged where, and what it cost. */
  public synchronized void finished(PullResult r) {
    if (json) {
      emit(
          event("staged")
              .put("repo", r.pin().repo())
              .put("revision", r.pin().revision())
              .put("commit", r.pin().commit())
              .put("dir", r.dir().toString())
              .put("contentHash", r.pin().contentHash())
              .put("files", r.pin().files().size())
              .put("bytes", r.totalBytes())
              .put("moved", r.moved())
              .put("fetched", r.fetched())
              .put("kept", r.kept())
              .put("linked", r.linked())
              .put("seconds", r.elapsed().toMillis() / 1000.0)
              .put("bytesPerSecond", Math.round(r.rate())));
      return;
    }
    lines.accept(
        String.format(
            Locale.ROOT,
            "staged %s in %s: %d files, %s; moved %s in %.1f s%s",
            r.pin().pinnedRef(),
            r.dir(),
            r.pin().files().size(),
            bytes(r.totalBytes()),
            bytes(r.moved()),
            r.elapsed().toMillis() / 1000.0,
            r.moved() > 0 ? " (" + bytes((long) r.rate()) + "/s)" : ""));
  }

  private ObjectNode event(String kind) {
    return mapper.createObjectNode().put("event", kind);
  }

  private void emit(ObjectNode n) {
    lines.accept(n.toString());
  }

  static String clock(Duration d) {
    long s = d.toSeconds();
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  /** Bytes in binary units, as the rest of the CLI prints them. */
  public static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
  }
}
