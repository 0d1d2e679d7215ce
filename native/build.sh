#!/usr/bin/env bash
# Configure and build libolmo_engine, then run the CPU tests (ctest).
#   native/build.sh cpu    CPU backend only                       -> native/build/cpu
#   native/build.sh cuda   CPU + CUDA backends (SASS sm_80/86/89/90a + compute_90 PTX); needs nvcc,
#                          no GPU -> native/build/cuda
#   native/build.sh all    both of the above
#   native/build.sh auto   cuda when nvcc is found, else cpu (what the Maven module runs)
#   native/build.sh ctest  run the tests of the build `auto` picks (the Maven test phase)
# Environment:
#   OLMO_BUILD_DIR    parent of the build directories (default native/build): <dir>/cpu, <dir>/cuda
#   OLMO_STAGE_DIR    copy the built libolmo_engine.so there (the Maven module's resource folder),
#                     with libolmo_engine.cuda-archs beside it (its CUDA architectures, or none)
#   OLMO_CUDA=on|off|auto  for `auto`: on fails without nvcc, off builds CPU only (default auto)
#   OLMO_CUDA_ARCHS (default "80-real;86-real;89-real;90a-real;90-virtual": machine code for the GPUs Vast rents,
#   PTX for newer ones), OLMO_NO_TESTS=1 to skip ctest, JOBS,
#   JAVA_HOME (the JDK whose jni.h the JNI glue is built against; default the local JDK 17)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
what="${1:-cpu}"
jobs="${JOBS:-$(nproc)}"
if [[ -z "${JAVA_HOME:-}" ]]; then
  for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64; do
    if [[ -x "$d/bin/javac" ]]; then export JAVA_HOME="$d"; break; fi
  done
fi

find_nvcc() {
  local c
  for c in "${CUDACXX:-}" "$(command -v nvcc || true)" /usr/local/cuda/bin/nvcc /usr/local/bin/nvcc; do
    if [[ -n "$c" && -x "$c" ]]; then echo "$c"; return 0; fi
  done
  return 1
}

build_one() {
  local flavour="$1" dir="${OLMO_BUILD_DIR:-$here/build}/$1"
  local args=(-S "$here" -B "$dir" -DCMAKE_BUILD_TYPE=Release "-DOLMO_JAVA_HOME=${JAVA_HOME:-}")
  if command -v ninja >/dev/null; then args+=(-G Ninja); fi
  if [[ "${OLMO_REQUIRE_JNI:-0}" == 1 ]]; then args+=(-DOLMO_REQUIRE_JNI=ON); fi
  if [[ "$flavour" == cuda ]]; then
    local nvcc
    nvcc="$(find_nvcc)" || { echo "build.sh: nvcc not found (PATH, CUDACXX, /usr/local/cuda/bin)" >&2; exit 3; }
    local archs="${OLMO_CUDA_ARCHS:-80-real;86-real;89-real;90a-real;90-virtual}"
    args+=(-DOLMO_CUDA=ON "-DCMAKE_CUDA_COMPILER=$nvcc" "-DCMAKE_CUDA_ARCHITECTURES=$archs")
    echo "build.sh: CPU + CUDA backends (sm $archs, $nvcc) in $dir"
  else
    args+=(-DOLMO_CUDA=OFF)
    echo "build.sh: CPU backend in $dir"
  fi
  cmake "${args[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs"
  if [[ "${OLMO_NO_TESTS:-0}" != 1 ]]; then
    (cd "$dir" && ctest --output-on-failure)
  fi
  if [[ -n "${OLMO_STAGE_DIR:-}" ]]; then
    mkdir -p "$OLMO_STAGE_DIR"
    cp "$dir/libolmo_engine.so" "$OLMO_STAGE_DIR/libolmo_engine.so"
    # what GPU code it carries, for qualify on a rented machine (dev.orchestrate.runtime.NativeCode)
    if [[ "$flavour" == cuda ]]; then
      printf '%s\n' "${OLMO_CUDA_ARCHS:-80-real;86-real;89-real;90a-real;90-virtual}" > "$OLMO_STAGE_DIR/libolmo_engine.cuda-archs"
    else
      echo none > "$OLMO_STAGE_DIR/libolmo_engine.cuda-archs"
    fi
    echo "build.sh: staged $OLMO_STAGE_DIR/libolmo_engine.so"
  fi
  echo "built: $dir/libolmo_engine.so"
}

auto_flavour() {
  case "${OLMO_CUDA:-auto}" in
    off) echo cpu ;;
    on) echo cuda ;;
    auto) if find_nvcc >/dev/null; then echo cuda; else
            echo "build.sh: no nvcc found; building the CPU backend only" >&2; echo cpu; fi ;;
    *) echo "build.sh: OLMO_CUDA must be on, off or auto, not '$OLMO_CUDA'" >&2; exit 2 ;;
  esac
}

case "$what" in
  cpu) build_one cpu ;;
  cuda) build_one cuda ;;
  all) build_one cpu; build_one cuda ;;
  auto) flavour="$(auto_flavour)"; build_one "$flavour" ;;
  ctest) flavour="$(auto_flavour 2>/dev/null)"
         cd "${OLMO_BUILD_DIR:-$here/build}/$flavour" && ctest --output-on-failure ;;
  *) echo "usage: $0 [cpu|cuda|all|auto|ctest]" >&2; exit 2 ;;
esac
