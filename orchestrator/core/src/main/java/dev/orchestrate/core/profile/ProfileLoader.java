package dev.orchestrate.core.profile;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads a profile by name: lint and parse each layer ({@link YamlReader}), resolve {@code extends:}
 * (cycles rejected), merge, apply {@code --set}, bind to records ({@link RecordBinder}), then
 * validate across keys ({@link ProfileValidator}). Every problem of every stage is collected and
 * thrown together in one {@link ProfileException}.
 */
public final class ProfileLoader {
  private static final String HINT = "fix the keys above; docs/profiles.md describes every key";

  private final ProfileCatalog catalog;
  private final YamlReader reader;
  private final TreeMerger merger = new TreeMerger();
  private final Overrides overrides = new Overrides();

  /** Parsed files, so a base that many profiles extend is read once per loader. */
  private final java.util.Map<ProfileDocument, LocatedTree> parsed = new java.util.HashMap<>();

  private final java.util.Map<ProfileDocument, List<ProfileProblem>> parseProblems =
      new java.util.HashMap<>();

  public ProfileLoader(ProfileCatalog catalog, Map<String, String> environment) {
    this.catalog = catalog;
    this.reader = new YamlReader(environment);
  }

  public ProfileCatalog catalog() {
    return catalog;
  }

  public LoadedProfile load(String name) {
    return load(name, List.of());
  }

  public LoadedProfile load(String name, List<String> setOverrides) {
    ProfileDocument doc =
        catalog
            .find(name)
            .orElseThrow(
                () ->
                    new ProfileException(
                        name,
                        List.of(
                            new ProfileProblem(
                                "profiles", 0, "", "no profile named '" + name + "'")),
                        "available: " + String.join(", ", catalog.names())));
    List<ProfileProblem> problems = new ArrayList<>();
    List<String> layers = new ArrayList<>();
    LocatedTree tree = resolve(doc, new ArrayDeque<>(), layers, problems);
    if (tree == null) {
      throw new ProfileException(name, problems, HINT);
    }
    overrides.apply(tree, setOverrides, problems);
    Profile profile =
        new RecordBinder(tree, problems).bindRoot(Profile.class, Map.of("name", name));
    if (profile != null) {
      for (String[] p : new ProfileValidator().validate(profile)) {
        problems.add(ProfileProblem.at(tree.where(p[0]), p[0], p[1]));
      }
    }
    if (!problems.isEmpty()) {
      throw new ProfileException(name, problems, HINT);
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("name", name);
    data.putAll(plain(tree.root()));
    return new LoadedProfile(profile, data, layers);
  }

  /**
   * The tree as plain maps, lists, strings, numbers and booleans (what run records keep); done by
   * hand because an ObjectMapper costs start-up time that {@code profiles list} should not pay.
   */
  private static Map<String, Object> plain(com.fasterxml.jackson.databind.node.ObjectNode node) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      out.put(e.getKey(), plainValue(e.getValue()));
    }
    return out;
  }

  private static Object plainValue(JsonNode node) {
    if (node.isObject()) {
      return plain((com.fasterxml.jackson.databind.node.ObjectNode) node);
    }
    if (node.isArray()) {
      List<Object> out = new ArrayList<>();
      node.forEach(item -> out.add(plainValue(item)));
      return out;
    }
    if (node.isNumber()) {
      return node.numberValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return node.isNull() ? null : node.asText();
  }

  /** A fresh copy of {@code doc}'s tree (callers change it), parsing it once. */
  private LocatedTree parse(ProfileDocument doc, List<ProfileProblem> problems) {
    if (!parsed.containsKey(doc)) {
      List<ProfileProblem> own = new ArrayList<>();
      parsed.put(doc, reader.read(doc.origin(), doc.text(), own));
      parseProblems.put(doc, own);
    }
    problems.addAll(parseProblems.get(doc));
    LocatedTree tree = parsed.get(doc);
    return tree == null
        ? null
        : new LocatedTree(tree.root().deepCopy(), tree.places(), tree.origin());
  }

  private LocatedTree resolve(
      ProfileDocument doc,
      Deque<ProfileDocument> chain,
      List<String> layers,
      List<ProfileProblem> problems) {
    LocatedTree tree = parse(doc, problems);
    if (tree == null) {
      return null;
    }
    JsonNode ext = tree.root().remove("extends");
    Where extAt = tree.places().remove("extends");
    if (ext == null || ext.isNull()) {
      layers.add(doc.origin());
      return tree;
    }
    if (!ext.isTextual() || ext.asText().isBlank()) {
      problems.add(ProfileProblem.at(extAt, "extends", "expected the name of one profile"));
      return null;
    }
    String parentName = ext.asText().trim();
    Optional<ProfileDocument> parent =
        parentName.equals(doc.name()) ? catalog.below(doc) : catalog.find(parentName);
    if (parent.isEmpty()) {
      problems.add(
          ProfileProblem.at(
              extAt,
              "extends",
              parentName.equals(doc.name())
                  ? "'"
                      + parentName
                      + "' extends itself but overrides no lower profile of that name"
                  : "no profile named '"
                      + parentName
                      + "' (available: "
                      + String.join(", ", catalog.names())
                      + ")"));
      return null;
    }
    chain.push(doc);
    if (chain.contains(parent.get())) {
      List<String> names = new ArrayList<>();
      chain.descendingIterator().forEachRemaining(d -> names.add(d.name()));
      names.add(parent.get().name());
      problems.add(
          ProfileProblem.at(extAt, "extends", "extends cycle: " + String.join(" → ", names)));
      chain.pop();
      return null;
    }
    LocatedTree base = resolve(parent.get(), chain, layers, problems);
    chain.pop();
    layers.add(doc.origin());
    return base == null ? null : merger.merge(base, tree);
  }
}
