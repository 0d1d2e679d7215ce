package dev.orchestrate.docker.build;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.io.AtomicFiles;
import dev.orchestrate.core.io.Json;
import dev.orchestrate.docker.DockerEngine;
import dev.orchestrate.docker.ImageInfo;
import dev.orchestrate.docker.archive.DockerArchive;
import dev.orchestrate.docker.archive.ImageConfig;
import dev.orchestrate.docker.recipe.Recipe;
import dev.orchestrate.docker.recipe.RecipeLoader;
import dev.orchestrate.docker.tar.LayerDigest;
import dev.orchestrate.docker.tar.LayerTar;
import dev.orchestrate.docker.tar.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds an image from its recipe so that the image ID is a pure function of the inputs: resolve
 * the pinned base, run the Dockerfile steps on the classic builder and canonicalise them, write the
 * copy and venv layers ourselves, write the config, load, verify, tag. When an image of the same
 * inputs is already tagged, the build is a no-op. The result is written to {@code
 * logs/images/<name>/result.json} next to the full build log.
 */
public final class RecipeImageBuilder {
  public static final String LABEL_INPUTS = "dev.orchestrate.image.inputs";
  public static final String LABEL_RECIPE = "dev.orchestrate.image.recipe";
  public static final String LABEL_LOCK = "dev.orchestrate.image.lock";

  /** Where the image's python env is (its venv layer's path); absent without one. */
  public static final String LABEL_VENV = "dev.orchestrate.image.venv";

  public static final String LABEL_NAME = "dev.orchestrate.image.name";
  public static final String LABEL_REVISION = "org.opencontainers.image.revision";

  private final DockerEngine engine;
  private final RecipeLoader recipes;
  private final Path projectDir;
  private final BuildWorkspace workspace;
  private final Path logsDir;
  private final EventSink events;
  private final Clock clock;
  private final ObjectMapper json = Json.mapper();

  public RecipeImageBuilder(
      DockerEngine engine,
      RecipeLoader recipes,
      Path projectDir,
      BuildWorkspace workspace,
      Path logsDir,
      EventSink events,
      Clock clock) {
    this.engine = engine;
    this.recipes = recipes;
    this.projectDir = projectDir;
    this.workspace = workspace;
    this.logsDir = logsDir;
    this.events = events;
    this.clock = clock;
  }

  /** The repository our images are tagged in; the recipe name is the tag. */
  public static final String REPOSITORY = "orchestrate/engine";

  /** The moving tag of a recipe's image: {@code orchestrate/engine:<name>} (what profiles name). */
  public static String tag(String name) {
    return REPOSITORY + ":" + name;
  }

  /** The tag of one set of inputs: {@code orchestrate/engine:<name>-<inputs16>}. */
  static String pinnedTag(String name, String inputs) {
    return REPOSITORY + ":" + name + "-" + inputs.substring(0, 16);
  }

  public BuildResult build(String name, BuildOptions options) {
    Instant start = clock.instant();
    Recipe recipe = recipes.load(name);
    if (options.reproducible()) {
      BaseResolver.checkPinned(recipe);
    }
    Steps steps = new Steps(events, clock);
    step(steps, "docker", "connect to Docker", () -> Steps.Result.ok(engine.ping(), engine.host()));
    String inputs =
        step(
            steps, "inputs", "hash the inputs", () -> Steps.Result.ok(inputs(recipe, options), ""));
    String tag = pinnedTag(name, inputs);
    if (!options.noCache()) {
      Optional<BuildResult> current = upToDate(recipe, tag, inputs, start);
      if (current.isPresent()) {
        return current.get();
      }
    }
    Path imageLogs = logsDir.resolve("images").resolve(name);
    try (BuildLog log = new BuildLog(imageLogs.resolve("build.log"), events, clock)) {
      BuildResult result = assemble(recipe, options, inputs, tag, steps, log, start);
      AtomicFiles.write(
          imageLogs.resolve("result.json"),
          json.writerWithDefaultPrettyPrinter().writeValueAsBytes(result));
      return result;
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.IMAGE, "building image '" + name + "' failed: " + e.getMessage(), null, e);
    }
  }

  private BuildResult assemble(
      Recipe recipe,
      BuildOptions options,
      String inputs,
      String tag,
      Steps steps,
      BuildLog log,
      Instant start)
      throws IOException {
    ImageLoader loader =
        new ImageLoader(
            engine, new DockerArchive(workspace.layers(), new LayerTar(recipe.epoch())), workspace);
    BaseResolver bases = new BaseResolver(engine, workspace, loader, log);
    ResolvedBase base =
        step(
            steps,
            "base",
            "base image",
            () -> {
              ResolvedBase b = bases.resolve(recipe);
              return Steps.Result.ok(b, b.description());
            });
    ImageConfig config = base.config().withCreated(recipe.epoch());
    String scratchTag = "orchestrate-tmp/" + recipe.name() + ":" + inputs.substring(0, 16);
    if (recipe.dockerfile().isPresent()) {
      ClassicBuild classic = new ClassicBuild(engine, workspace, log, events, clock);
      config =
          step(
              steps,
              "dockerfile",
              "Dockerfile steps (classic builder, canonicalised)",
              () -> Steps.Result.ok(classic.build(recipe, base, scratchTag), ""));
    }
    for (Recipe.Layer layer : recipe.layers()) {
      config = addLayer(recipe, layer, config, base, scratchTag, steps, log, loader, options);
    }
    ImageConfig finalConfig =
        runtime(config, recipe.runtime()).withLabels(labels(recipe, options, inputs));
    Set<String> omit = new HashSet<>(base.config().diffIds());
    long archiveBytes =
        step(
            steps,
            "load",
            "load and verify",
            () -> Steps.Result.ok(loader.load(finalConfig, tag, omit), finalConfig.id()));
    engine.tag(finalConfig.id(), REPOSITORY, recipe.name());
    forgetOlderBuilds(recipe.name(), tag);
    long full = -1;
    if (finalConfig.diffIds().stream().allMatch(d -> workspace.layers().find(d).isPresent())) {
      full = loader.archiveSize(finalConfig, tag, Set.of());
    }
    return result(
        recipe,
        finalConfig,
        tag,
        archiveBytes,
        full,
        false,
        Duration.between(start, clock.instant()));
  }

  private ImageConfig addLayer(
      Recipe recipe,
      Recipe.Layer layer,
      ImageConfig config,
      ResolvedBase base,
      String scratchTag,
      Steps steps,
      BuildLog log,
      ImageLoader loader,
      BuildOptions options)
      throws IOException {
    boolean reuse = !options.noCache();
    if (layer instanceof Recipe.Copy copy) {
      CopyLayer writer = new CopyLayer(workspace, projectDir);
      var digest =
          step(
              steps,
              "copy",
              "copy " + copy.from(),
              () -> Steps.Result.ok(writer.write(recipe, copy), copy.to()));
      return config.withLayer(digest.diffId(), CopyLayer.history(copy));
    }
    if (layer instanceof Recipe.Classpath cp) {
      CopyLayer writer = new CopyLayer(workspace, projectDir);
      var digest =
          step(
              steps,
              "classpath",
              "jars of " + cp.from(),
              () -> Steps.Result.ok(writer.write(recipe, cp), cp.to()));
      return config.withLayer(digest.diffId(), CopyLayer.history(cp));
    }
    Recipe.Venv venv = (Recipe.Venv) layer;
    VenvLayer writer = new VenvLayer(engine, workspace, log);
    String lockHash = Sha256.hex(writer.lock(recipe, venv));
    Set<String> present = new HashSet<>(base.config().diffIds());
    // The layer is a function of the image below it, the lock, the indexes and what they serve, so
    // a layer made once from the same inputs is reused instead of running the container again;
    // --no-cache runs it again (and so asks the indexes again).
    String key =
        Sha256.hex(
            String.join(
                    "\n",
                    config.id(),
                    venv.toString(),
                    Long.toString(recipe.sourceDateEpoch()),
                    InputsDigest.tree(writer.lock(recipe, venv)),
                    options.packageIndex().orElse("pypi"),
                    options.torchIndexBase())
                .getBytes(StandardCharsets.UTF_8));
    Path remembered = workspace.root().resolve("venvs").resolve(key);
    var digest =
        step(
            steps,
            "venv",
            "venv from " + venv.lock(),
            () -> {
              if (reuse && Files.isRegularFile(remembered)) {
                String diffId = Files.readString(remembered).strip();
                if (workspace.layers().find(diffId).isPresent()) {
                  return Steps.Result.skipped(
                      new LayerDigest(diffId, Files.size(workspace.layers().path(diffId))),
                      "same inputs as a venv made before");
                }
              }
              loader.load(config, scratchTag, present);
              try {
                LayerDigest made = writer.write(recipe, venv, options, scratchTag);
                Files.createDirectories(remembered.getParent());
                Files.writeString(remembered, made.diffId());
                return Steps.Result.ok(made, venv.path());
              } finally {
                engine.removeImage(scratchTag);
              }
            });
    return config.withLayer(digest.diffId(), VenvLayer.history(venv, lockHash));
  }

  private static ImageConfig runtime(ImageConfig c, Recipe.Runtime r) {
    return c.withRuntime(
        r.env() != null ? r.env() : c.env(),
        r.entrypoint() != null ? r.entrypoint() : c.entrypoint(),
        r.cmd() != null ? r.cmd() : c.cmd(),
        r.workingDir() != null ? r.workingDir() : c.workingDir(),
        r.user() != null ? r.user() : c.user(),
        r.exposedPorts() != null ? r.exposedPorts() : c.exposedPorts());
  }

  private Map<String, String> labels(Recipe recipe, BuildOptions options, String inputs)
      throws IOException {
    Map<String, String> labels = new TreeMap<>();
    labels.put(LABEL_NAME, recipe.name());
    labels.put(LABEL_INPUTS, "sha256:" + inputs);
    labels.put(LABEL_RECIPE, "sha256:" + InputsDigest.tree(recipe.dir()));
    labels.put(LABEL_LOCK, lockHash(recipe));
    for (Recipe.Layer l : recipe.layers()) {
      if (l instanceof Recipe.Venv v) {
        labels.put(LABEL_VENV, v.path());
      }
    }
    labels.put(LABEL_REVISION, options.revision());
    return labels;
  }

  private String lockHash(Recipe recipe) throws IOException {
    for (Recipe.Layer l : recipe.layers()) {
      if (l instanceof Recipe.Venv v) {
        return "sha256:" + Sha256.hex(recipe.dir().resolve(v.lock()));
      }
    }
    return "none";
  }

  /** Every input of the image, hashed. Reads files only: fast enough for a no-op under 2 s. */
  String inputs(Recipe recipe, BuildOptions options) throws IOException {
    FileHasher hasher = new FileHasher(workspace);
    InputsDigest d = new InputsDigest();
    d.add("name", recipe.name());
    d.add("recipe", InputsDigest.tree(recipe.dir(), hasher));
    d.add("epoch", Long.toString(recipe.sourceDateEpoch()));
    d.add("base", recipe.base().toString());
    if (recipe.base() instanceof Recipe.Busybox b) {
      d.add("busybox", hasher.hex(Path.of(b.binary())));
    }
    for (Recipe.Layer l : recipe.layers()) {
      if (l instanceof Recipe.Copy c) {
        Path src = new CopyLayer(workspace, projectDir).source(c);
        d.add(
            "copy " + c.from() + " " + c.to(),
            Files.exists(src) ? InputsDigest.tree(src, hasher) : "missing");
      } else if (l instanceof Recipe.Classpath cp) {
        CopyLayer w = new CopyLayer(workspace, projectDir);
        StringBuilder parts = new StringBuilder();
        if (Files.isRegularFile(projectDir.resolve(cp.from()))) {
          for (Map.Entry<String, Path> e : w.classpath(cp).entrySet()) {
            parts.append(e.getKey()).append('=');
            parts.append(
                Files.exists(e.getValue()) ? InputsDigest.tree(e.getValue(), hasher) : "missing");
            parts.append(' ');
          }
        }
        d.add(
            "classpath " + cp.from() + " " + cp.to(),
            parts.length() == 0 ? "missing" : parts.toString());
      } else if (l instanceof Recipe.Venv v) {
        Path lock = new VenvLayer(engine, workspace, null).lock(recipe, v);
        d.add(
            "venv " + v,
            (Files.exists(lock) ? InputsDigest.tree(lock, hasher) : "missing")
                + " "
                + options.packageIndex().orElse("pypi")
                + " "
                + options.torchIndexBase());
      }
    }
    d.add("revision", options.revision());
    hasher.save();
    return d.hex();
  }

  /** Untags earlier builds of this recipe, so old images do not pile up (layers are shared). */
  private void forgetOlderBuilds(String name, String current) {
    String prefix = REPOSITORY + ":" + name + "-";
    for (String t : engine.tags(REPOSITORY)) {
      if (t.startsWith(prefix) && !t.equals(current)) {
        try {
          engine.removeImage(t);
        } catch (OrchestrateException e) {
          // in use by a container: it stays until that container is gone
        }
      }
    }
  }

  private Optional<BuildResult> upToDate(Recipe recipe, String tag, String inputs, Instant start) {
    Optional<ImageInfo> existing = engine.inspectImage(tag);
    if (existing.isEmpty()
        || !("sha256:" + inputs).equals(existing.get().labels().get(LABEL_INPUTS))) {
      return Optional.empty();
    }
    engine.tag(existing.get().id(), REPOSITORY, recipe.name());
    Duration took = Duration.between(start, clock.instant());
    Path last = logsDir.resolve("images").resolve(recipe.name()).resolve("result.json");
    try {
      if (Files.isRegularFile(last)) {
        BuildResult previous = json.readValue(last.toFile(), BuildResult.class);
        if (previous.id().equals(existing.get().id())) {
          return Optional.of(previous.asUpToDate(took));
        }
      }
    } catch (IOException e) {
      // an unreadable old result: describe the image from the daemon instead
    }
    ImageInfo i = existing.get();
    List<BuildResult.Layer> layers = new ArrayList<>();
    i.diffIds().forEach(d -> layers.add(new BuildResult.Layer(d, layerSize(d), "")));
    return Optional.of(
        new BuildResult(
            recipe.name(),
            i.id(),
            List.of(tag, tag(recipe.name())),
            layers,
            i.size(),
            0,
            -1,
            true,
            took,
            i.labels()));
  }

  private BuildResult result(
      Recipe recipe,
      ImageConfig config,
      String tag,
      long archiveBytes,
      long fullArchiveBytes,
      boolean upToDate,
      Duration took) {
    List<BuildResult.Layer> layers = new ArrayList<>();
    List<ImageConfig.History> made =
        config.history().stream().filter(h -> !h.emptyLayer()).toList();
    long total = 0;
    for (int i = 0; i < config.diffIds().size(); i++) {
      String d = config.diffIds().get(i);
      long size = layerSize(d);
      total += Math.max(0, size);
      layers.add(new BuildResult.Layer(d, size, i < made.size() ? made.get(i).createdBy() : ""));
    }
    return new BuildResult(
        recipe.name(),
        config.id(),
        List.of(tag, tag(recipe.name())),
        layers,
        total,
        archiveBytes,
        fullArchiveBytes,
        upToDate,
        took,
        config.labels());
  }

  private long layerSize(String diffId) {
    try {
      Optional<Path> p = workspace.layers().find(diffId);
      return p.isPresent() ? Files.size(p.get()) : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /** Runs one step with events; checked failures become image errors. */
  private static <T> T step(Steps steps, String id, String title, Steps.Work<T> work) {
    try {
      return steps.run(id, title, work);
    } catch (OrchestrateException e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, title + " interrupted", null, e);
    } catch (Exception e) {
      throw new OrchestrateException(
          ErrorCode.IMAGE, title + " failed: " + e.getMessage(), null, e);
    }
  }
}
