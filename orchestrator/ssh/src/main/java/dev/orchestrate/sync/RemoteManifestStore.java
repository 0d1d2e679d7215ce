package dev.orchestrate.sync;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.io.Json;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.ExecResult;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.sync.RemoteState.FileStat;
import dev.orchestrate.sync.RemoteState.RemoteEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the manifest kept next to the synced files. Reading also lists the files (one
 * command, one round trip), so a manifest entry is trusted only while its file is untouched.
 */
final class RemoteManifestStore {
  private static final String SEPARATOR = "--orchestrate-listing--";
  private static final TypeReference<List<RemoteEntry>> ENTRIES = new TypeReference<>() {};

  private final RemoteLayout layout;
  private final ObjectMapper json = Json.mapper();

  RemoteManifestStore(RemoteLayout layout) {
    this.layout = layout;
  }

  RemoteState read(Transport transport) {
    String line =
        "cd "
            + layout.qRoot()
            + " 2>/dev/null || exit 0; cat "
            + Command.quote(layout.manifest())
            + " 2>/dev/null; echo; echo "
            + SEPARATOR
            + "; find . -path ./"
            + RemoteLayout.META
            + " -prune -o -type f -printf '%P\\t%s\\t%T@\\n'";
    ExecResult r = transport.run(Command.of(line));
    if (!r.succeeded()) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "cannot list "
              + layout.root()
              + " on "
              + transport.endpoint().machineId()
              + ": "
              + r.stderr().trim(),
          "check that the remote folder is readable");
    }
    int cut = r.stdout().indexOf(SEPARATOR + "\n");
    if (cut < 0) {
      return new RemoteState(Map.of(), Map.of());
    }
    Map<String, FileStat> files = parseListing(r.stdout().substring(cut + SEPARATOR.length() + 1));
    Map<String, RemoteEntry> trusted = new HashMap<>();
    for (RemoteEntry e : parseManifest(r.stdout().substring(0, cut).trim())) {
      FileStat stat = files.get(e.path());
      if (stat != null && stat.size() == e.size() && stat.mtime().equals(e.mtime())) {
        trusted.put(e.path(), e);
      }
    }
    return new RemoteState(trusted, files);
  }

  void write(Transport transport, Collection<RemoteEntry> entries) {
    byte[] body;
    try {
      body =
          json.writerWithDefaultPrettyPrinter()
              .writeValueAsBytes(
                  new TreeMap<>(
                          entries.stream()
                              .collect(
                                  java.util.stream.Collectors.toMap(RemoteEntry::path, e -> e)))
                      .values());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    String tmp = layout.manifest() + ".tmp";
    String line =
        "mkdir -p "
            + layout.q(RemoteLayout.META)
            + " && cat > "
            + layout.q(tmp)
            + " && mv -f "
            + layout.q(tmp)
            + " "
            + layout.q(layout.manifest());
    ExecResult r = transport.run(Command.of(line).withStdin(body));
    if (!r.succeeded()) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "cannot write the remote manifest on "
              + transport.endpoint().machineId()
              + ": "
              + r.stderr().trim(),
          "check free disk space and permissions under " + layout.root());
    }
  }

  private List<RemoteEntry> parseManifest(String text) {
    if (text.isEmpty()) {
      return List.of();
    }
    try {
      return json.readValue(text.getBytes(StandardCharsets.UTF_8), ENTRIES);
    } catch (IOException e) {
      return List.of(); // a damaged manifest is ignored: everything is verified again
    }
  }

  private static Map<String, FileStat> parseListing(String listing) {
    Map<String, FileStat> files = new HashMap<>();
    for (String row : listing.split("\n")) {
      String[] parts = row.split("\t");
      if (parts.length == 3) {
        try {
          files.put(parts[0], new FileStat(Long.parseLong(parts[1]), parts[2]));
        } catch (NumberFormatException e) {
          // not a listing row
        }
      }
    }
    return files;
  }
}
