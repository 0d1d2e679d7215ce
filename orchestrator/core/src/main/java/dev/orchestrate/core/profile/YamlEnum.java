package dev.orchestrate.core.profile;

import java.util.Locale;

/**
 * How enum constants are spelled in profiles: lower case, '-' for '_' ({@code IF_ALLOWED} →
 * if-allowed).
 */
public final class YamlEnum {
  private YamlEnum() {}

  public static String spell(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
