package dev.orchestrate.core.target;

/** The attributes more than one target (and the run record) reads. */
public final class MachineAttributes {
  /** The name {@code ssh <name>} and status show. */
  public static final MachineAttribute<String> NAME = MachineAttribute.text("name", "");

  /** The image the machine runs (a Vast image, a Docker tag). */
  public static final MachineAttribute<String> IMAGE = MachineAttribute.text("image", "");

  /** The fingerprint of the environment the env step left on the machine. */
  public static final MachineAttribute<String> ENV_FINGERPRINT =
      MachineAttribute.text("envFingerprint", "");

  /** The host name of this host (local target). */
  public static final MachineAttribute<String> HOST = MachineAttribute.text("host", "");

  /** A local engine's process id, and its start instant (pids are reused). */
  public static final MachineAttribute<Long> PID = MachineAttribute.number("pid", 0);

  public static final MachineAttribute<String> PID_START = MachineAttribute.text("pidStart", "");

  /** What the provider says the machine is doing (status). */
  public static final MachineAttribute<String> STATUS = MachineAttribute.text("status", "");

  /**
   * The python the hf backend runs on the machine: the env step's venv (the engine reads {@code
   * ENGINE_PYTHON}); absent where no python env was prepared.
   */
  public static final MachineAttribute<String> ENGINE_PYTHON =
      MachineAttribute.text("ENGINE_PYTHON", "");

  /**
   * The custom engine's library built on the machine for its GPU, when the shipped one has no code
   * for it (the launcher reads {@code ORCHESTRATE_NATIVE_LIB}); absent where none was built.
   */
  public static final MachineAttribute<String> NATIVE_LIB =
      MachineAttribute.text("ORCHESTRATE_NATIVE_LIB", "");

  private MachineAttributes() {}
}
