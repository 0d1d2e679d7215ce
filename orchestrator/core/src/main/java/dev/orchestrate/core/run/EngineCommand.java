package dev.orchestrate.core.run;

import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.YamlEnum;
import java.util.List;
import java.util.Map;

/**
 * Fills the placeholders of a profile's command lines: {@code {backend}}, {@code {snapshot}},
 * {@code {prompt}}, {@code {maxNewTokens}}, {@code {seed}}. Each argument stays one argument (no
 * shell), so a prompt with spaces or quotes needs no escaping.
 */
public final class EngineCommand {
  private EngineCommand() {}

  public static List<String> resolve(List<String> template, Profile profile, String snapshot) {
    Map<String, String> values =
        Map.of(
            "{backend}", YamlEnum.spell(profile.engine().backend()),
            "{snapshot}", snapshot,
            "{prompt}", profile.engine().prompt(),
            "{maxNewTokens}", String.valueOf(profile.engine().maxNewTokens()),
            "{seed}", String.valueOf(profile.engine().seed()));
    return template.stream()
        .map(
            arg -> {
              String out = arg;
              for (Map.Entry<String, String> e : values.entrySet()) {
                out = out.replace(e.getKey(), e.getValue());
              }
              return out;
            })
        .toList();
  }
}
