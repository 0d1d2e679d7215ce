package dev.orchestrate.core.pyenv;

import java.util.stream.Collectors;

/**
 * The shell commands of the env step, for any POSIX sh: locally, over SSH, in an image build. Two
 * of them: {@link #check()} exits 0 when the env's marker says it is what the spec asks for (one
 * command on an unchanged env), {@link #install()} makes it so and writes the marker last. The
 * install's exit codes say which part failed ({@link Failure}).
 */
public final class PythonEnvScript {
  static final String MARKER = ".orchestrate-env";
  static final String LOCK_COPY = ".orchestrate-requirements.lock";
  static final String IMAGE_TORCH_PTH = "orchestrate-image-torch.pth";
  private static final String PY_VERSION =
      "'import sys; print(\"%d.%d.%d\" % sys.version_info[:3])'";

  /** What an exit code of {@link #install()} means. */
  public enum Failure {
    NO_PYTHON(10),
    VENV(11),
    LOCK(12),
    TORCH_INSTALL(13),
    TORCH_IMPORT(14),
    TORCH_REPLACE(15),
    TORCH_BUILD(16);

    final int code;

    Failure(int code) {
      this.code = code;
    }

    static Failure of(int code) {
      for (Failure f : values()) {
        if (f.code == code) {
          return f;
        }
      }
      return null;
    }
  }

  private final PythonEnvSpec spec;

  public PythonEnvScript(PythonEnvSpec spec) {
    this.spec = spec;
  }

  /** Exits 0 when the env exists, runs, and its marker matches the spec and the interpreter. */
  public String check() {
    return vars()
        + "[ -x \"$ENV_DIR/bin/python\" ]"
        + " && [ \"$(cat \"$ENV_DIR/"
        + MARKER
        + "\" 2>/dev/null)\" = \"$MARKER_PREFIX python=$(\"$PY\" -c "
        + PY_VERSION
        + " 2>/dev/null)\" ]"
        + " && \"$ENV_DIR/bin/python\" -c '' 2>/dev/null\n";
  }

  /** Creates or repairs the env, installs the lock and torch, checks torch's build, marks it. */
  public String install() {
    TorchWheels torch = spec.torch();
    String pipIndex = spec.packageIndex().map(u -> " --index-url " + quote(u)).orElse("");
    String lockLines =
        spec.lock().lines().stream().map(PythonEnvScript::quote).collect(Collectors.joining(" "));
    return vars()
        + "TORCH_INDEX="
        + quote(torch.indexUrl())
        + "\nTORCH_TAG="
        + torch.tag()
        + "\nTORCH_CUDA="
        + quote(torch.cuda().orElse(""))
        + "\nUSE_INSTALLED="
        + (torch.useInstalled() ? 1 : 0)
        + "\n"
        + """
        say() { printf '== %%s\\n' "$*"; }
        fail() { code=$1; shift; printf 'error: %%s\\n' "$*"; exit "$code"; }
        PIP="--disable-pip-version-check --no-input"
        command -v "$PY" >/dev/null 2>&1 || fail 10 "$PY is not on the PATH"
        PYVER=$("$PY" -c %s) || fail 10 "$PY does not run"
        rm -f "$ENV_DIR/%s"
        if [ -f "$ENV_DIR/pyvenv.cfg" ] && [ "$("$ENV_DIR/bin/python" -c %s 2>/dev/null)" != "$PYVER" ]; then
          say "$ENV_DIR was made by another python: creating it again with $PY $PYVER"
          rm -rf "$ENV_DIR"
        fi
        IMAGE_TORCH=""
        if [ "$USE_INSTALLED" = 1 ]; then
          IMAGE_TORCH=$("$PY" -c 'import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))' 2>/dev/null) || IMAGE_TORCH=""
        fi
        if [ ! -x "$ENV_DIR/bin/python" ]; then
          say "creating the venv $ENV_DIR with $PY $PYVER"
          mkdir -p "$(dirname "$ENV_DIR")"
          "$PY" -m venv "$ENV_DIR" || fail 11 "$PY -m venv failed (Debian/Ubuntu: apt-get install python3-venv)"
        fi
        SITE_DIR=$("$ENV_DIR/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') || fail 11 "the venv $ENV_DIR does not run"
        rm -f "$SITE_DIR/%s"
        if [ -n "$IMAGE_TORCH" ]; then
          say "$PY already has torch (the image's, in $IMAGE_TORCH): the env sees it instead of installing one"
          printf '%%s\\n' "$IMAGE_TORCH" > "$SITE_DIR/%s" || fail 11 "cannot write into $SITE_DIR"
        fi
        printf '%%s\\n' %s > "$ENV_DIR/%s" || fail 12 "cannot write the lock into $ENV_DIR"
        say "installing the locked packages with --require-hashes"
        "$ENV_DIR/bin/python" -m pip install $PIP --require-hashes --only-binary=:all:%s -r "$ENV_DIR/%s" || fail 12 "pip could not install the lock"
        torch_build() { "$ENV_DIR/bin/python" -c 'import torch; print(torch.__version__); print(getattr(torch.version, "cuda", None) or "")'; }
        if [ -n "$IMAGE_TORCH" ]; then
          BUILD=$(torch_build) || fail 14 "the image's torch does not import in the env"
        else
          say "installing torch ($TORCH_TAG) from $TORCH_INDEX"
          "$ENV_DIR/bin/python" -m pip install $PIP --only-binary=:all: --index-url "$TORCH_INDEX" torch || fail 13 "pip could not install torch from $TORCH_INDEX"
          BUILD=$(torch_build) || fail 14 "torch does not import after its install"
          TV=$(printf '%%s\\n' "$BUILD" | sed -n 1p); TC=$(printf '%%s\\n' "$BUILD" | sed -n 2p)
          if [ "$TC" != "$TORCH_CUDA" ]; then
            say "torch $TV is built for ${TC:-cpu}, not $TORCH_TAG: replacing it with the $TORCH_TAG build"
            "$ENV_DIR/bin/python" -m pip uninstall $PIP -y torch || fail 15 "could not remove torch $TV"
            "$ENV_DIR/bin/python" -m pip install $PIP --only-binary=:all: --index-url "$TORCH_INDEX" "torch==${TV%%%%+*}+$TORCH_TAG" || fail 15 "pip could not install torch==${TV%%%%+*}+$TORCH_TAG from $TORCH_INDEX"
            BUILD=$(torch_build) || fail 14 "torch does not import after its replacement"
            TC=$(printf '%%s\\n' "$BUILD" | sed -n 2p)
            [ "$TC" = "$TORCH_CUDA" ] || fail 16 "torch is still built for ${TC:-cpu}, not $TORCH_TAG"
          fi
        fi
        TV=$(printf '%%s\\n' "$BUILD" | sed -n 1p); TC=$(printf '%%s\\n' "$BUILD" | sed -n 2p)
        printf '%%s\\n' "$MARKER_PREFIX python=$PYVER" > "$ENV_DIR/%s.tmp" && mv -f "$ENV_DIR/%s.tmp" "$ENV_DIR/%s" || fail 12 "cannot write the marker in $ENV_DIR"
        say "ready: python $PYVER, torch $TV (${TC:-cpu}) in $ENV_DIR"
        """
            .formatted(
                PY_VERSION,
                MARKER,
                PY_VERSION,
                IMAGE_TORCH_PTH,
                IMAGE_TORCH_PTH,
                lockLines,
                LOCK_COPY,
                pipIndex,
                LOCK_COPY,
                MARKER,
                MARKER,
                MARKER);
  }

  private String vars() {
    return "ENV_DIR="
        + shellPath(spec.envDir().replaceAll("/+$", ""))
        + "\nPY="
        + quote(spec.python())
        + "\nMARKER_PREFIX="
        + quote(spec.markerPrefix())
        + "\n";
  }

  /** {@code ~/x} stays relative to the remote home; everything else is quoted as is. */
  static String shellPath(String path) {
    return path.startsWith("~/") ? "\"$HOME\"/" + quote(path.substring(2)) : quote(path);
  }

  static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
