package dev.orchestrate.cli.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.orchestrate.cli.CliContext;
import dev.orchestrate.cli.render.Table;
import dev.orchestrate.core.profile.LoadedProfile;
import dev.orchestrate.core.profile.ProfileDocument;
import dev.orchestrate.core.profile.ProfileException;
import dev.orchestrate.core.profile.ProfileLoader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code profiles list|show}. */
@Command(
    name = "profiles",
    mixinStandardHelpOptions = true,
    description = "List the host profiles, or show one fully resolved.",
    subcommands = {ProfilesCommand.ListProfiles.class, ProfilesCommand.Show.class},
    footer = {
      "%nExamples:",
      "  orchestrate profiles list",
      "  orchestrate profiles show vast --set target.vast.maxPricePerHour=0.4",
      Common.EXIT_CODES
    })
public final class ProfilesCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  /** {@code profiles list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List every profile: shipped ones, then ~/.config/orchestrate/profiles/, then ./profiles/;",
        "a later one overrides an earlier one of the same name."
      },
      footer = {
        "%nExamples:",
        "  orchestrate profiles list",
        "  orchestrate profiles list --json",
        Common.EXIT_CODES
      })
  public static final class ListProfiles implements Callable<Integer> {
    private final CliContext c;
    @Mixin Common common;

    public ListProfiles(CliContext c) {
      this.c = c;
    }

    /** One row of the listing. */
    public record Row(
        String name,
        String target,
        String description,
        String source,
        List<String> overrides,
        List<String> problems) {}

    @Override
    public Integer call() {
      ProfileLoader loader = c.profiles();
      List<Row> rows = new ArrayList<>();
      for (String name : loader.catalog().names()) {
        List<ProfileDocument> layers = loader.catalog().layers(name);
        String source = layers.get(layers.size() - 1).origin();
        List<String> overrides =
            layers.subList(0, layers.size() - 1).stream().map(ProfileDocument::origin).toList();
        try {
          LoadedProfile p = loader.load(name);
          rows.add(
              new Row(
                  name,
                  p.profile().target().type().id(),
                  p.profile().description(),
                  source,
                  overrides,
                  List.of()));
        } catch (ProfileException e) {
          rows.add(
              new Row(
                  name,
                  "?",
                  "invalid: "
                      + e.problems().size()
                      + " problem(s); see 'orchestrate profiles show "
                      + name
                      + "'",
                  source,
                  overrides,
                  e.problems().stream().map(Object::toString).toList()));
        }
      }
      if (common.json) {
        Common.printJson(c, Map.of("profiles", rows));
        return 0;
      }
      Table t = new Table("NAME", "TARGET", "SOURCE", "DESCRIPTION");
      rows.forEach(r -> t.row(r.name(), r.target(), r.source(), r.description()));
      t.print(c.out());
      return 0;
    }
  }

  /** {@code profiles show NAME}. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show a profile after extends, ${ENV} and --set, as YAML (or --json).",
      footer = {
        "%nExamples:",
        "  orchestrate profiles show cpu",
        "  orchestrate profiles show vast --set target.vast.gpuName=A100 --json",
        Common.EXIT_CODES
      })
  public static final class Show implements Callable<Integer> {
    private final CliContext c;
    @Mixin Common common;

    @Parameters(paramLabel = "NAME", description = "Profile name.")
    String name;

    @CommandLine.Option(
        names = "--set",
        paramLabel = "KEY=VALUE",
        description = "Override a profile key (repeatable).")
    List<String> sets = new ArrayList<>();

    public Show(CliContext c) {
      this.c = c;
    }

    @Override
    public Integer call() throws Exception {
      LoadedProfile p = c.profiles().load(name, sets);
      Map<String, Object> out = new LinkedHashMap<>(p.tree());
      if (common.json) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", name);
        doc.put("layers", p.layers());
        doc.put("profile", out);
        Common.printJson(c, doc);
        return 0;
      }
      out.remove("name");
      c.out().println("# profile " + name + ", layered from: " + String.join(" → ", p.layers()));
      ObjectMapper yaml =
          new ObjectMapper(
              YAMLFactory.builder()
                  .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                  .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                  .build());
      c.out().print(c.redactor().redact(yaml.writeValueAsString(out)));
      c.out().flush();
      return 0;
    }
  }
}
