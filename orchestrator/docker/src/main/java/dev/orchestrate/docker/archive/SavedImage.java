package dev.orchestrate.docker.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The output of {@code docker save}, unpacked into a folder. Follows the paths {@code
 * manifest.json} names and assumes no layout: Docker 20.10 writes {@code <v1id>/layer.tar}, Docker
 * 25+ an OCI layout with {@code blobs/sha256/...}.
 */
public record SavedImage(Path dir, byte[] config, List<Path> layers) {
  public SavedImage {
    config = config.clone();
    layers = List.copyOf(layers);
  }

  /** Unpacks {@code save} (the daemon's stream) into {@code dir} and reads its first image. */
  public static SavedImage unpack(InputStream save, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path root = dir.toAbsolutePath().normalize();
    TarArchiveInputStream tar = new TarArchiveInputStream(save, "UTF-8");
    for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
      Path target = root.resolve(e.getName()).normalize();
      if (!target.startsWith(root)) {
        throw new IOException("docker save wrote an entry outside its folder: " + e.getName());
      }
      if (e.isDirectory()) {
        Files.createDirectories(target);
      } else if (e.isFile()) {
        Files.createDirectories(target.getParent());
        Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
      } else if (e.isSymbolicLink()) {
        // the legacy layout links a repeated layer to its first copy
        Path linked = target.getParent().resolve(e.getLinkName()).normalize();
        if (!linked.startsWith(root)) {
          throw new IOException("docker save wrote a link outside its folder: " + e.getName());
        }
        Files.createDirectories(target.getParent());
        Files.createSymbolicLink(target, target.getParent().relativize(linked));
      }
    }
    Path manifestFile = root.resolve("manifest.json");
    if (!Files.isRegularFile(manifestFile)) {
      throw new IOException("docker save output has no manifest.json");
    }
    JsonNode manifest = new ObjectMapper().readTree(manifestFile.toFile());
    if (!manifest.isArray() || manifest.isEmpty()) {
      throw new IOException("docker save output has an empty manifest.json");
    }
    JsonNode first = manifest.get(0);
    byte[] config = Files.readAllBytes(inside(root, first.path("Config").asText()));
    List<Path> layers = new ArrayList<>();
    for (JsonNode l : first.path("Layers")) {
      layers.add(inside(root, l.asText()));
    }
    return new SavedImage(root, config, layers);
  }

  private static Path inside(Path root, String name) throws IOException {
    Path p = root.resolve(name).normalize();
    if (!p.startsWith(root) || !Files.isRegularFile(p)) {
      throw new IOException("docker save output lacks " + name);
    }
    return p;
  }
}
