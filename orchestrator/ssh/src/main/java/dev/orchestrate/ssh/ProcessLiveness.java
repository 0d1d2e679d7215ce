package dev.orchestrate.ssh;

/**
 * Whether a process on a machine is still running, as POSIX shell (dash, bash, busybox sh): the
 * remote side of log following and the instance's idle watchdog must agree on it.
 */
public final class ProcessLiveness {
  /**
   * A shell function {@code alive PID}: the process exists and is not a zombie. {@code kill -0}
   * alone counts a zombie as alive, and a detached process's zombie is reaped by the machine's
   * init, which in a container may take seconds or never happen. The state is read from {@code
   * /proc/PID/stat} (the field after the parenthesised command name).
   */
  public static final String ALIVE =
      "alive() { kill -0 \"$1\" 2>/dev/null || return 1; s=; read -r s 2>/dev/null <"
          + " \"/proc/$1/stat\"; case \"$s\" in *') Z '*|*') X '*) return 1;; esac; }; ";

  private ProcessLiveness() {}
}
