#!/usr/bin/env bash
# GPU end to end: Java (jlink'd JDK 17 runtime) -> EngineCli generate --backend custom -> JNI -> CUDA.
# The library comes from lib/engine-native-cuda.jar (class-path resource, extracted by NativeLibrary).
set -uo pipefail
E="$(cd "$(dirname "$0")" && pwd)"
O="${OUT:-/tmp}"
mkdir -p "$O"
export JAVA_HOME="$E/jre" XDG_CACHE_HOME="$O/cache"
cli() { "$JAVA_HOME/bin/java" -cp "$E/lib/*" dev.orchestrate.engine.cli.EngineCli "$@"; }
gen() { # device snapshot tokens name
  echo "=== $4: ORCHESTRATE_CUSTOM_DEVICE=$1 generate --snapshot $2 --max-new-tokens $3"
  ORCHESTRATE_CUSTOM_DEVICE=$1 cli generate --snapshot "$2" --backend custom --prompt "$prompt" \
    --max-new-tokens "$3" > "$O/$4.txt" 2> "$O/$4.err"; echo "exit $?"
  cat "$O/$4.txt"; tail -3 "$O/$4.err"
}
same() { # run-a run-b label tokens: compares the completions (all but the metrics line)
  if [[ -s "$O/$1.txt" && -s "$O/$2.txt" ]] && cmp -s <(head -n -1 "$O/$1.txt") <(head -n -1 "$O/$2.txt"); then
    echo "$3 cuda and cpu greedy completions identical ($4 tokens)"
  elif [[ -s "$O/$1.txt" && -s "$O/$2.txt" ]]; then
    echo "$3 cuda and cpu greedy completions DIFFER after $(python3 -c 'import os,sys
a, b = ("\n".join(open(f, encoding="utf-8").read().splitlines()[:-1]) for f in sys.argv[1:])
print(len(os.path.commonprefix([a, b])), "of", max(len(a), len(b)), "characters")' "$O/$1.txt" "$O/$2.txt")"
  else
    echo "$3: a run failed (no completion to compare)"
  fi
}
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
"$JAVA_HOME/bin/java" -version 2>&1 | head -1
prompt="The capital of France is"
echo "=== ctest engine_cuda (cuda vs cpu, head_dim 64 and 16)"
LD_LIBRARY_PATH="$E/bin" timeout 120 "$E/bin/olmo_test" cuda 2>&1 | tail -20; echo "exit ${PIPESTATUS[0]}"
if command -v compute-sanitizer >/dev/null; then
  echo "=== compute-sanitizer memcheck"
  LD_LIBRARY_PATH="$E/bin" timeout 150 compute-sanitizer --tool memcheck "$E/bin/olmo_test" cuda 2>&1 | tail -4
fi
tiny=/tmp/olmo-tiny-seed1 big=/tmp/olmo-1b-seed1
cli snapshot create --config tiny --seed 1 --dtype bf16 --out "$tiny" | tail -1
gen cuda "$tiny" 64 tiny-cuda
gen auto "$tiny" 64 tiny-auto
gen cpu "$tiny" 64 tiny-cpu
same tiny-cuda tiny-cpu "tiny" 64
cli snapshot create --config olmo2-1b --seed 1 --dtype bf16 --out "$big" | tail -1
gen cuda "$big" 32 b1-cuda-32
gen auto "$big" 256 b1-auto-256
gen cpu "$big" 32 b1-cpu-32
same b1-cuda-32 b1-cpu-32 "1B" 32
ls -la "$O/cache/orchestrate/native/"*/
