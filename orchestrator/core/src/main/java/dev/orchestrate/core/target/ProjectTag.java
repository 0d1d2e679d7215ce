package dev.orchestrate.core.target;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.io.AtomicFiles;
import dev.orchestrate.core.io.Json;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.retry.Transience;
import dev.orchestrate.core.retry.Transient;
import dev.orchestrate.core.time.Sleeper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * This project's identity in what it labels on shared accounts: eight hex digits drawn at random
 * ({@link SecureRandom}) on first use and kept in {@code .orchestrate/project-id} together with the
 * real path of the checkout they were drawn for. Two checkouts using one API key therefore get
 * different tags, even at the same path on two machines (teammates, CI runners), so neither's
 * {@code gc} reaps the other's rentals. Processes starting at once agree on one id: the file
 * appears whole or not at all, and whoever loses the race reads the winner's.
 *
 * <p>A checkout whose real path is no longer the recorded one ({@link State#moved}: moved, or a
 * copy that carried {@code .orchestrate/} along) keeps its id, but the id no longer proves that
 * what carries it is this checkout's: {@code gc} does not destroy on its word until the move is
 * confirmed ({@link #confirmMove}). Deleting the state folder gives the checkout a new id; its
 * earlier rentals then belong to "another project" ({@code orchestrate gc --project p<id>}).
 *
 * <p>Files from before ids were random (the eight digits alone) are taken as this checkout's and
 * get the current path recorded on first use.
 */
public final class ProjectTag {
  public static final String FILE = "project-id";
  private static final Pattern FORM = Pattern.compile("[0-9a-f]{8}");
  private static final SecureRandom RANDOM = new SecureRandom();
  // A reader may meet a file being created where hard links are not available (see create): it
  // reads again under PROJECT_TAG. Static callers, a race of milliseconds: the system's time.
  private static final Retrier RETRIER = Retrier.quiet(Clock.systemUTC(), Sleeper.system());

  private ProjectTag() {}

  /**
   * The id and the checkout it was created for.
   *
   * @param recordedPath the real path the id was created for (or last confirmed at)
   * @param currentPath this checkout's real path now
   */
  public record State(String id, Path recordedPath, Path currentPath) {
    /** The checkout is not where the id was created: moved, or a copy. */
    public boolean moved() {
      return !recordedPath.equals(currentPath);
    }

    /** The id as status prints it and {@code gc --project} takes it: {@code p<8 hex>}. */
    public String spelled() {
      return "p" + id;
    }
  }

  /** Whether {@code tag} has the form of a project tag (eight lowercase hex digits). */
  public static boolean valid(String tag) {
    return tag != null && FORM.matcher(tag).matches();
  }

  /** The tag in {@code p1234abcd} (as status prints it) or {@code 1234abcd}; empty if neither. */
  public static Optional<String> parse(String spelled) {
    if (spelled == null) {
      return Optional.empty();
    }
    String tag = spelled.startsWith("p") ? spelled.substring(1) : spelled;
    return valid(tag) ? Optional.of(tag) : Optional.empty();
  }

  /**
   * The tag stored in {@code stateDir}, created there on first use. Also for a moved checkout: ask
   * {@link #load} before destroying on its word.
   */
  public static String of(Path stateDir, Path projectDir) {
    return load(stateDir, projectDir).id();
  }

  /** The stored id and path, created (random id, this checkout's real path) on first use. */
  public static State load(Path stateDir, Path projectDir) {
    Path file = stateDir.resolve(FILE);
    try {
      Path current = realPath(projectDir);
      return RETRIER.get(
          RetryPolicyName.PROJECT_TAG, "reading " + file, () -> readOrCreate(file, current));
    } catch (Racing r) {
      if (r.unreadable) {
        throw new OrchestrateException(
            ErrorCode.FAILURE,
            "the project id file " + file + " is not one orchestrate wrote",
            "if this checkout's rentals are all in the ledger, delete it (a new id is drawn);"
                + " rentals labelled with the old id then show as another project's in"
                + " `orchestrate status`");
      }
      throw failure(file, stateDir, new IOException(r.getMessage()));
    } catch (IOException e) {
      throw failure(file, stateDir, e);
    }
  }

  // One try: create the file unless it exists, then read back what is there now (ours, or the id
  // of whoever won the race).
  private static State readOrCreate(Path file, Path current) throws IOException {
    if (!Files.exists(file)) {
      create(file, current);
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new Racing("it disappears each time it is created", false);
    }
    Optional<State> state = parseFile(text, current);
    if (state.isEmpty()) {
      throw new Racing("unreadable", true); // maybe still being written: read it again
    }
    State s = state.get();
    if (s.recordedPath() == null) { // the old format: this checkout's, path recorded now
      s = new State(s.id(), current, current);
      write(file, s);
    }
    return s;
  }

  /** The file is being created or replaced by another process right now. */
  private static final class Racing extends RuntimeException implements Transient {
    private static final long serialVersionUID = 1L;
    final boolean unreadable;

    Racing(String message, boolean unreadable) {
      super(message);
      this.unreadable = unreadable;
    }

    @Override
    public Transience transience() {
      return Transience.NOT_PROCESSED;
    }
  }

  /**
   * Records this checkout's real path for its id: the checkout was moved (not copied), so what
   * carries the id is this checkout's again.
   */
  public static State confirmMove(Path stateDir, Path projectDir) {
    State s = load(stateDir, projectDir);
    if (!s.moved()) {
      return s;
    }
    State confirmed = new State(s.id(), s.currentPath(), s.currentPath());
    try {
      write(stateDir.resolve(FILE), confirmed);
    } catch (IOException e) {
      throw failure(stateDir.resolve(FILE), stateDir, e);
    }
    return confirmed;
  }

  private static Optional<State> parseFile(String text, Path current) {
    String stripped = text.strip();
    if (valid(stripped)) {
      return Optional.of(new State(stripped, null, current));
    }
    try {
      JsonNode doc = Json.mapper().readTree(stripped);
      if (doc == null || !doc.isObject()) {
        return Optional.empty();
      }
      String id = doc.path("id").asText(null);
      String path = doc.path("path").asText(null);
      if (!valid(id) || path == null || path.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new State(id, Path.of(path), current));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static byte[] content(String id, Path path) throws IOException {
    ObjectNode doc = Json.mapper().createObjectNode();
    doc.put("id", id);
    doc.put("path", path.toString());
    return (Json.mapper().writeValueAsString(doc) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static void write(Path file, State s) throws IOException {
    AtomicFiles.write(file, content(s.id(), s.recordedPath()));
  }

  /** Creates the file with a fresh id unless it exists; the first creator's id is the one. */
  private static void create(Path file, Path current) throws IOException {
    AtomicFiles.createIfAbsent(file, content(newId(), current));
  }

  static String newId() {
    byte[] b = new byte[4];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static Path realPath(Path projectDir) throws IOException {
    return Files.exists(projectDir)
        ? projectDir.toRealPath()
        : projectDir.toAbsolutePath().normalize();
  }

  private static OrchestrateException failure(Path file, Path stateDir, IOException e) {
    return new OrchestrateException(
        ErrorCode.FAILURE,
        "cannot read or write the project id " + file + ": " + e.getMessage(),
        "check that " + stateDir + " is writable",
        e);
  }
}
