package dev.orchestrate.docker.archive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.docker.tar.Content;
import dev.orchestrate.docker.tar.LayerTar;
import dev.orchestrate.docker.tar.TarEntry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@code docker load} archive (the docker-archive layout: {@code manifest.json}, the
 * config as {@code <id>.json}, each layer as {@code <diffid>/layer.tar}, uncompressed) from a
 * config and canonical layers. Layers the daemon already holds may be left out ({@code omit}): the
 * daemon only opens a layer file when it lacks that layer, so the archive for a multi-GB base
 * shrinks to our own layers while the image ID stays the same.
 */
public final class DockerArchive {
  private final LayerStore layers;
  private final LayerTar tar;

  public DockerArchive(LayerStore layers, LayerTar tar) {
    this.layers = layers;
    this.tar = tar;
  }

  /** Writes the archive to {@code out} and returns the number of bytes written. */
  public long write(ImageConfig config, String repoTag, Set<String> omit, OutputStream out)
      throws IOException {
    byte[] configJson = config.toJson();
    String configName = config.id().substring("sha256:".length()) + ".json";
    List<String> layerPaths = new ArrayList<>();
    List<TarEntry> entries = new ArrayList<>();
    entries.add(TarEntry.file(configName, 0644, Content.bytes(configJson)));
    for (String diffId : config.diffIds()) {
      String name = diffId.substring("sha256:".length()) + "/layer.tar";
      layerPaths.add(name);
      if (!omit.contains(diffId)) {
        Path file =
            layers
                .find(diffId)
                .orElseThrow(
                    () -> new IOException("layer " + diffId + " is not in " + layers.dir()));
        entries.add(TarEntry.file(name, 0644, Content.file(file)));
      }
    }
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("Config", configName);
    manifest.put("RepoTags", List.of(repoTag));
    manifest.put("Layers", layerPaths);
    entries.add(TarEntry.file("manifest.json", 0644, Content.bytes(json(List.of(manifest)))));
    return tar.write(entries, out).size();
  }

  /** Writes the archive to a file and returns its size. */
  public long write(ImageConfig config, String repoTag, Set<String> omit, Path file)
      throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      return write(config, repoTag, omit, out);
    }
  }

  private static byte[] json(Object value) {
    try {
      return new ObjectMapper().writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
