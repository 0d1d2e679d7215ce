package dev.orchestrate.hub;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The pin file ({@code .pin.json} in the snapshot folder): which repo and revision were asked for,
 * the commit they resolved to, and every staged file with its size and sha256 (and git blob id
 * where known). Written last, atomically, so its presence means the folder is complete and
 * verified. It holds nothing that varies between machines (no times, no endpoint), so the same
 * commit gives the same pin everywhere and the folder's manifest hash stays deterministic.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Pin(
    int schema, String repo, String revision, String commit, String source, List<File> files) {
  public static final String FILE_NAME = ".pin.json";
  public static final int SCHEMA = 1;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public Pin {
    files = files.stream().sorted(Comparator.comparing(File::path)).toList();
  }

  /** One staged file. {@code blobId} is null where it was not computed (imported LFS blobs). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record File(String path, long size, String sha256, String blobId) {}

  /** {@code hf://repo@commit}: the exact weights, as a profile or run record names them. */
  public String pinnedRef() {
    return RepoRef.SCHEME + repo + "@" + commit;
  }

  /** The sha256 over every file's path, size and sha256, in path order: the snapshot's identity. */
  public String contentHash() {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (File f : files) {
        d.update(
            (f.path() + "\0" + f.size() + "\0" + f.sha256() + "\n")
                .getBytes(StandardCharsets.UTF_8));
      }
      return "sha256:" + HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The pin of snapshot folder {@code dir}, if it has a readable one. */
  public static Optional<Pin> read(Path dir) {
    return readFile(dir.resolve(FILE_NAME));
  }

  static Optional<Pin> readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), Pin.class));
    } catch (IOException e) {
      return Optional.empty(); // a damaged pin is no pin: everything is verified again
    }
  }

  public void write(Path dir) throws IOException {
    AtomicWrite.write(dir.resolve(FILE_NAME), JSON.writeValueAsBytes(this));
  }

  String toJson() throws IOException {
    return JSON.writeValueAsString(this);
  }
}
