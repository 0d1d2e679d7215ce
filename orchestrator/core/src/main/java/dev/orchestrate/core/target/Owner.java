package dev.orchestrate.core.target;

import java.util.Locale;

/**
 * Whose a machine found by {@link Target#leftovers} is, read from its label and carried in its
 * {@code owner} attribute: this project's ({@code gc} destroys it), another project's on the same
 * account (listed, never touched), or an unknown project's (a label from before labels carried a
 * project: {@code gc} destroys it only when asked to). A machine without the attribute is this
 * project's.
 */
public enum Owner {
  THIS_PROJECT,
  OTHER_PROJECT,
  UNKNOWN_PROJECT;

  public static final MachineAttribute<String> ATTRIBUTE = MachineAttribute.text("owner", "");

  /** The owner {@code machine} carries, this project when it carries none. */
  public static Owner of(Machine machine) {
    String value = machine.get(ATTRIBUTE);
    if (value.isEmpty()) {
      return THIS_PROJECT;
    }
    try {
      return valueOf(value.toUpperCase(Locale.ROOT).replace(' ', '_'));
    } catch (IllegalArgumentException e) {
      return UNKNOWN_PROJECT;
    }
  }

  /** How status and gc show it: "this project", "other project", "unknown project". */
  public String spelled() {
    return name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  public Machine mark(Machine machine) {
    return machine.with(ATTRIBUTE, spelled());
  }
}
