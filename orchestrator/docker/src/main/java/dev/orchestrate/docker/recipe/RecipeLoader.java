package dev.orchestrate.docker.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads {@code <imagesDir>/<name>/image.yaml} into a {@link Recipe}. Every problem in a recipe is
 * reported at once, each with its path in the file; an unknown name lists the recipes there are.
 */
public final class RecipeLoader {
  public static final String FILE = "image.yaml";
  private static final Set<String> TOP =
      Set.of("description", "sourceDateEpoch", "base", "dockerfile", "layers", "config");
  private static final Set<String> CONFIG =
      Set.of("env", "entrypoint", "cmd", "workingDir", "user", "exposedPorts");

  private final Path imagesDir;
  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

  public RecipeLoader(Path imagesDir) {
    this.imagesDir = imagesDir;
  }

  /** The recipe names under the images folder (folders with an image.yaml), sorted. */
  public List<String> names() {
    if (!Files.isDirectory(imagesDir)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(imagesDir)) {
      return dirs.filter(d -> Files.isRegularFile(d.resolve(FILE)))
          .map(d -> d.getFileName().toString())
          .sorted()
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  public Recipe load(String name) {
    if (name == null || !name.matches("[a-z0-9][a-z0-9._-]*")) {
      throw unknown(String.valueOf(name));
    }
    Path dir = imagesDir.resolve(name);
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw unknown(name);
    }
    JsonNode root;
    try {
      root = yaml.readTree(file.toFile());
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "cannot read " + file + ": " + e.getMessage(),
          "fix the YAML syntax; docs/docker.md describes the recipe format",
          e);
    }
    List<String> errors = new ArrayList<>();
    if (root == null || !root.isObject()) {
      errors.add("the file is empty or not a mapping");
      throw invalid(file, errors);
    }
    unknownKeys(root, TOP, "", errors);
    long epoch = root.path("sourceDateEpoch").asLong(-1);
    if (epoch <= 0) {
      errors.add("sourceDateEpoch: required, seconds since 1970 (not 0: Java reads 0 as unknown)");
    }
    Recipe.Base base = base(root.path("base"), errors);
    Optional<String> dockerfile = Optional.empty();
    if (root.hasNonNull("dockerfile")) {
      String df = root.get("dockerfile").asText();
      if (!Files.isRegularFile(dir.resolve(df))) {
        errors.add("dockerfile: " + df + " is not in " + dir);
      }
      dockerfile = Optional.of(df);
    }
    List<Recipe.Layer> layers = layers(root.path("layers"), errors);
    Recipe.Runtime runtime = runtime(root.path("config"), errors);
    if (!errors.isEmpty()) {
      throw invalid(file, errors);
    }
    return new Recipe(
        name, dir, root.path("description").asText(""), epoch, base, dockerfile, layers, runtime);
  }

  private static Recipe.Base base(JsonNode b, List<String> errors) {
    if (!b.isObject() || b.size() != 1) {
      errors.add("base: exactly one of busybox, debian or image");
      return new Recipe.Busybox(null);
    }
    String kind = b.fieldNames().next();
    JsonNode v = b.get(kind);
    switch (kind) {
      case "busybox":
        unknownKeys(v, Set.of("binary"), "base.busybox.", errors);
        return new Recipe.Busybox(v.path("binary").asText(null));
      case "debian":
        unknownKeys(
            v,
            Set.of("suite", "variant", "include", "mirror", "components", "pockets", "keyring"),
            "base.debian.",
            errors);
        return new Recipe.Debian(
            v.path("suite").asText(null),
            v.path("variant").asText(null),
            strings(v.path("include"), "base.debian.include", errors),
            v.path("mirror").asText(null),
            strings(v.path("components"), "base.debian.components", errors),
            strings(v.path("pockets"), "base.debian.pockets", errors),
            v.path("keyring").asText(null));
      case "image":
        if (!v.isTextual() || v.asText().isBlank()) {
          errors.add("base.image: a reference such as name@sha256:<digest>");
          return new Recipe.Busybox(null);
        }
        return new Recipe.Registry(v.asText());
      default:
        errors.add("base." + kind + ": unknown base; use busybox, debian or image");
        return new Recipe.Busybox(null);
    }
  }

  private static List<Recipe.Layer> layers(JsonNode list, List<String> errors) {
    List<Recipe.Layer> out = new ArrayList<>();
    if (list.isMissingNode() || list.isNull()) {
      return out;
    }
    if (!list.isArray()) {
      errors.add("layers: a list");
      return out;
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode l = list.get(i);
      String at = "layers[" + i + "]";
      if (l.has("copy")) {
        JsonNode c = l.get("copy");
        unknownKeys(c, Set.of("from", "to"), at + ".copy.", errors);
        if (!c.hasNonNull("from")
            || !c.hasNonNull("to")
            || !c.path("to").asText().startsWith("/")) {
          errors.add(at + ".copy: needs from (a path) and to (an absolute path in the image)");
          continue;
        }
        out.add(new Recipe.Copy(c.get("from").asText(), c.get("to").asText()));
      } else if (l.has("classpath")) {
        JsonNode c = l.get("classpath");
        unknownKeys(c, Set.of("from", "to"), at + ".classpath.", errors);
        if (!c.hasNonNull("from") || !c.path("to").asText().startsWith("/")) {
          errors.add(at + ".classpath: needs from (a classpath file) and to (an absolute folder)");
          continue;
        }
        out.add(new Recipe.Classpath(c.get("from").asText(), c.get("to").asText()));
      } else if (l.has("venv")) {
        JsonNode v = l.get("venv");
        unknownKeys(v, Set.of("lock", "torch", "path", "python"), at + ".venv.", errors);
        if (!v.hasNonNull("lock")) {
          errors.add(at + ".venv: needs lock (a pip lock with --hash, relative to the recipe)");
          continue;
        }
        String torch = v.path("torch").asText("auto");
        if (!Recipe.Venv.TORCH.contains(torch)) {
          errors.add(at + ".venv.torch: one of " + String.join(", ", Recipe.Venv.TORCH));
          continue;
        }
        out.add(
            new Recipe.Venv(
                v.get("lock").asText(),
                torch,
                v.path("path").asText(null),
                v.path("python").asText(null)));
      } else {
        errors.add(at + ": one of copy, classpath or venv");
      }
    }
    return out;
  }

  private static Recipe.Runtime runtime(JsonNode c, List<String> errors) {
    if (c.isMissingNode() || c.isNull()) {
      return Recipe.Runtime.NONE;
    }
    unknownKeys(c, CONFIG, "config.", errors);
    return new Recipe.Runtime(
        c.has("env") ? strings(c.get("env"), "config.env", errors) : null,
        c.has("entrypoint") ? strings(c.get("entrypoint"), "config.entrypoint", errors) : null,
        c.has("cmd") ? strings(c.get("cmd"), "config.cmd", errors) : null,
        c.path("workingDir").asText(null),
        c.path("user").asText(null),
        c.has("exposedPorts")
            ? strings(c.get("exposedPorts"), "config.exposedPorts", errors)
            : null);
  }

  private static List<String> strings(JsonNode n, String at, List<String> errors) {
    List<String> out = new ArrayList<>();
    if (n.isMissingNode() || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      errors.add(at + ": a list of strings");
      return out;
    }
    n.forEach(s -> out.add(s.asText()));
    return out;
  }

  private static void unknownKeys(JsonNode n, Set<String> known, String at, List<String> errors) {
    if (!n.isObject()) {
      return;
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) {
        errors.add(
            at
                + k
                + ": unknown key (known: "
                + String.join(", ", known.stream().sorted().toList())
                + ")");
      }
    }
  }

  private OrchestrateException unknown(String name) {
    List<String> names = names();
    return new OrchestrateException(
        ErrorCode.IMAGE,
        "no image recipe '" + name + "' (looked for " + imagesDir.resolve(name).resolve(FILE) + ")",
        names.isEmpty()
            ? "run from the project folder, where images/ holds the recipes"
            : "use one of: " + String.join(", ", names));
  }

  private static OrchestrateException invalid(Path file, List<String> errors) {
    return new OrchestrateException(
        ErrorCode.IMAGE,
        file + " has " + errors.size() + " problem(s):\n  " + String.join("\n  ", errors),
        "docs/docker.md describes the recipe format");
  }
}
