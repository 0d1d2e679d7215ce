package dev.orchestrate.core.target;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.io.AtomicFiles;
import dev.orchestrate.core.io.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The local record of every machine we hold (or are about to create), so that a crash never orphans
 * a rental and {@code status}/{@code down --all}/{@code gc} know what to look at. Each change is a
 * read-modify-write under an OS file lock (several {@code orchestrate} processes may run at once)
 * and lands by atomic rename.
 */
public final class Ledger {
  private static final TypeReference<List<LedgerEntry>> ENTRIES = new TypeReference<>() {};

  /**
   * OS file locks are held per process, and the JVM refuses a second one on the same file: threads
   * of this process take the file's monitor first. The only process-wide state here, by necessity.
   */
  private static final java.util.concurrent.ConcurrentMap<Path, Object> MONITORS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final Path file;
  private final ObjectMapper json = Json.mapper();

  public Ledger(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  public List<LedgerEntry> entries() {
    return locked(entries -> entries, false);
  }

  public Optional<LedgerEntry> find(String key) {
    return entries().stream().filter(e -> e.key().equals(key)).findFirst();
  }

  /** Adds {@code entry}, replacing any entry with the same key. */
  public void put(LedgerEntry entry) {
    locked(
        entries -> {
          entries.removeIf(e -> e.key().equals(entry.key()));
          entries.add(entry);
          return entries;
        },
        true);
  }

  /** Replaces the entry under {@code oldKey} by {@code entry} in one write (intent → machine). */
  public void replace(String oldKey, LedgerEntry entry) {
    locked(
        entries -> {
          entries.removeIf(e -> e.key().equals(oldKey) || e.key().equals(entry.key()));
          entries.add(entry);
          return entries;
        },
        true);
  }

  /** Applies {@code change} to the entry under {@code key}, if there is one. */
  public void update(String key, UnaryOperator<LedgerEntry> change) {
    locked(
        entries -> {
          entries.replaceAll(e -> e.key().equals(key) ? change.apply(e) : e);
          return entries;
        },
        true);
  }

  public boolean remove(String key) {
    boolean[] removed = new boolean[1];
    locked(
        entries -> {
          removed[0] = entries.removeIf(e -> e.key().equals(key));
          return entries;
        },
        true);
    return removed[0];
  }

  private List<LedgerEntry> locked(UnaryOperator<List<LedgerEntry>> body, boolean write) {
    Object monitor = MONITORS.computeIfAbsent(file.toAbsolutePath().normalize(), p -> new Object());
    synchronized (monitor) {
      return lockedInProcess(body, write);
    }
  }

  private List<LedgerEntry> lockedInProcess(UnaryOperator<List<LedgerEntry>> body, boolean write) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
      try (FileChannel ch =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock lock = ch.lock(); // released when the channel closes
        if (!lock.isValid()) {
          throw new IOException("lost the lock on " + lockFile);
        }
        List<LedgerEntry> entries = read();
        List<LedgerEntry> result = body.apply(entries);
        if (write) {
          result.sort(Comparator.comparing(LedgerEntry::since).thenComparing(LedgerEntry::key));
          AtomicFiles.write(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(result));
        }
        return List.copyOf(result);
      }
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "cannot use the ledger " + file + ": " + e.getMessage(),
          "check that the folder is writable; the ledger lists the machines we hold",
          e);
    }
  }

  private List<LedgerEntry> read() throws IOException {
    if (!Files.exists(file)) {
      return new ArrayList<>();
    }
    try {
      return new ArrayList<>(json.readValue(file.toFile(), ENTRIES));
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "the ledger " + file + " is unreadable: " + e.getMessage(),
          "it lists machines that may be billing: inspect it by hand before deleting it",
          e);
    }
  }
}
