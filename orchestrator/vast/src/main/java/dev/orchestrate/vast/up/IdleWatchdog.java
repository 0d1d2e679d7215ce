package dev.orchestrate.vast.up;

import dev.orchestrate.runtime.EngineRuntime;
import dev.orchestrate.runtime.HttpDelete;
import dev.orchestrate.ssh.ProcessLiveness;
import java.time.Duration;
import java.util.Map;

/**
 * The money guard that lives on the instance itself: started by the {@code onstart} script when
 * Vast boots the container, so it runs even if the client dies right after the create. Every tick
 * it looks at the lease file the client touches ({@link LeaseKeeper}); when the lease is older than
 * the idle limit and no detached run is alive (its engine a process that is not a zombie), it
 * destroys its own instance with the instance-scoped key Vast injects as {@code CONTAINER_API_KEY}
 * (able to stop or destroy only this instance), never the account key, which never leaves the
 * client. The DELETE goes through the shipped JRE where the image has no HTTP client ({@link
 * #DESTROY}).
 */
public final class IdleWatchdog {
  /** Relative to the instance's home: touched by the client while it wants the machine. */
  public static final String LEASE = "orchestrate/.lease";

  static final String URL_ENV = "ORCHESTRATE_VAST_URL";
  static final String IDLE_ENV = "ORCHESTRATE_IDLE_SECONDS";

  /**
   * A shell function {@code runs_active DIR}: some run under {@code DIR/.runs} has no exit file and
   * its process is alive ({@link ProcessLiveness#ALIVE}: a zombie is not, or an engine killed by
   * the OOM killer in a container whose PID 1 never reaps would hold the instance, billing, for
   * ever).
   */
  static final String ACTIVE_RUNS =
      ProcessLiveness.ALIVE
          + "\n"
          + """
      runs_active() {
        for p in "$1"/.runs/*/pid; do
          [ -f "$p" ] && [ ! -f "${p%/pid}/exit" ] && alive "$(cat "$p")" && return 0
        done
        return 1
      }
      """;

  /**
   * A shell function {@code destroy URL}: one DELETE with the instance key, through the first of
   * what the machine has: the engine runtime's own JRE and its {@link HttpDelete} tool (shipped by
   * the env step; a plain {@code nvidia/cuda} runtime image has no curl, wget or python3), else
   * curl, wget, python3. The key never shows in {@code ps}: the JRE and python3 read it from the
   * environment, curl from its config on stdin, wget from a private wgetrc.
   */
  static final String DESTROY =
      """
      destroy() {
        rt="$HOME/%s"
        if [ -x "$rt/jre/bin/java" ] && [ -f "$rt/%s/%s.class" ]; then
          "$rt/jre/bin/java" -cp "$rt/%s" %s "$1" CONTAINER_API_KEY && return 0
        fi
        if command -v curl >/dev/null 2>&1; then
          printf 'header = "Authorization: Bearer %%s"\\n' "$CONTAINER_API_KEY" | curl -fsS -X DELETE -K - "$1" && return 0
        fi
        if command -v wget >/dev/null 2>&1; then
          rc="$HOME/orchestrate/.watchdog.wgetrc"; (umask 077; printf 'header = Authorization: Bearer %%s\\n' "$CONTAINER_API_KEY" > "$rc")
          WGETRC="$rc" wget -q -O /dev/null --method=DELETE "$1"; ok=$?; rm -f "$rc"; [ $ok -eq 0 ] && return 0
        fi
        if command -v python3 >/dev/null 2>&1; then
          python3 -c 'import os,sys,urllib.request as u; r=u.Request(sys.argv[1],method="DELETE",headers={"Authorization":"Bearer "+os.environ["CONTAINER_API_KEY"]}); u.urlopen(r,timeout=30)' "$1" && return 0
        fi
        return 1
      }
      """
          .formatted(
              EngineRuntime.REMOTE_DIR,
              EngineRuntime.TOOLS,
              HttpDelete.class.getName().replace('.', '/'),
              EngineRuntime.TOOLS,
              HttpDelete.class.getName());

  // POSIX sh.
  private static final String SCRIPT =
      ACTIVE_RUNS
          + DESTROY
          + """
      d="$HOME/orchestrate"; lease="$d/.lease"; mkdir -p "$d"; touch "$lease"
      idle=${ORCHESTRATE_IDLE_SECONDS:-1800}; tick=$((idle / 4)); [ $tick -lt 1 ] && tick=1; [ $tick -gt 30 ] && tick=30
      while sleep $tick; do
        age=$(( $(date +%s) - $(stat -c %Y "$lease" 2>/dev/null || echo 0) ))
        [ $age -lt $idle ] && continue
        runs_active "$d" && continue
        echo "orchestrate watchdog: lease idle ${age}s >= ${idle}s and no run active: destroying instance $CONTAINER_ID"
        destroy "$ORCHESTRATE_VAST_URL/api/v0/instances/$CONTAINER_ID/" && exit 0
        echo "orchestrate watchdog: destroy failed (no engine runtime yet and no curl, wget or python3, or the API refused); trying again next tick"
      done
      """;

  private IdleWatchdog() {}

  /** The watchdog itself, as {@code onstart} writes it to the instance. */
  static String script() {
    return SCRIPT;
  }

  /**
   * The {@code onstart} script: Vast's no-tmux marker, then the watchdog written to {@code
   * ~/orchestrate/.watchdog.sh} and started detached (its output in {@code .watchdog.log}).
   */
  public static String onstart() {
    return "touch ~/.no_auto_tmux; mkdir -p ~/orchestrate && cat > ~/orchestrate/.watchdog.sh"
        + " <<'ORCHESTRATE_WATCHDOG'\n"
        + script()
        + "ORCHESTRATE_WATCHDOG\n"
        + "nohup setsid sh ~/orchestrate/.watchdog.sh >> ~/orchestrate/.watchdog.log 2>&1"
        + " < /dev/null &\n";
  }

  /** What the watchdog needs in the instance's environment besides what Vast injects. */
  public static Map<String, String> environment(String apiBaseUrl, Duration idle) {
    return Map.of(
        URL_ENV,
        apiBaseUrl.replaceAll("/+$", ""),
        IDLE_ENV,
        Long.toString(Math.max(1, idle.toSeconds())));
  }
}
