#!/usr/bin/env bash
# Configure and build libolmo_engine into native/build/<flavour>, then run the CPU tests.
#   native/build.sh cpu    CPU backend only
#   native/build.sh cuda   CPU + CUDA backends (sm_80, sm_90); needs nvcc, no GPU needed to build
#   native/build.sh all    both of the above
# Environment: OLMO_CUDA_ARCHS (default "80;90"), OLMO_NO_TESTS=1 to skip ctest, JOBS.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
what="${1:-cpu}"
jobs="${JOBS:-$(nproc)}"
# The JNI glue and its smoke test need a JDK; prefer JAVA_HOME, else the usual local ones.
if [[ -z "${JAVA_HOME:-}" ]]; then
  for d in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-17-openjdk-amd64; do
    if [[ -x "$d/bin/javac" ]]; then export JAVA_HOME="$d"; break; fi
  done
fi
build_one() {
  local flavour="$1" dir="$here/build/$1"
  local args=(-S "$here" -B "$dir" -DCMAKE_BUILD_TYPE=Release)
  if command -v ninja >/dev/null; then args+=(-G Ninja); fi
  if [[ "$flavour" == cuda ]]; then
    local nvcc="${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
    args+=(-DOLMO_CUDA=ON "-DCMAKE_CUDA_COMPILER=$nvcc" "-DCMAKE_CUDA_ARCHITECTURES=${OLMO_CUDA_ARCHS:-80;90}")
  fi
  cmake "${args[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs"
  if [[ "${OLMO_NO_TESTS:-0}" != 1 ]]; then
    (cd "$dir" && ctest --output-on-failure)
  fi
  echo "built: $dir/libolmo_engine.so"
}
case "$what" in
  cpu) build_one cpu ;;
  cuda) build_one cuda ;;
  all) build_one cpu; build_one cuda ;;
  *) echo "usage: $0 [cpu|cuda|all]" >&2; exit 2 ;;
esac
