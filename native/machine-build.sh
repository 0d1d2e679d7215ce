#!/bin/sh
# orchestrate: builds libolmo_engine on the rented machine for its own GPU, when the library the
# runtime shipped has no code that runs there and the machine has nvcc (CUDA devel images). Shipped
# with the engine runtime as native-src/ (these sources, the JDK's JNI headers, SOURCE_HASH).
# usage: machine-build.sh <sm, e.g. 90> <cache folder>
# The result is cached by source hash and architecture: <cache>/<hash>-sm<sm>/libolmo_engine.so,
# so a second run on the machine builds nothing. The last line says where the library is.
set -eu
sm="$1"
cache="$2"
here="$(cd "$(dirname "$0")" && pwd)"
hash="$(cat "$here/SOURCE_HASH")"
out="$cache/$hash-sm$sm"
if [ -f "$out/libolmo_engine.so" ]; then
  echo "native=$out/libolmo_engine.so reused"
  exit 0
fi
nvcc="$(command -v nvcc 2>/dev/null || true)"
[ -n "$nvcc" ] || nvcc="${CUDA_HOME:-/usr/local/cuda}/bin/nvcc"
if [ ! -x "$nvcc" ]; then
  echo "error: no nvcc on the machine (PATH, \$CUDA_HOME/bin, /usr/local/cuda/bin)" >&2
  exit 3
fi
mkdir -p "$out"
tmp="$out/.build.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
t0=$(date +%s)
echo "building libolmo_engine for sm_$sm with $nvcc ($("$nvcc" --version | tail -n 1))"
# what native/CMakeLists.txt does for one architecture: CPU + CUDA backends, the JNI glue, the CUDA
# runtime linked statically (only the driver is needed), hidden symbols but the API's
# (sm 90: the arch-specific sm_90a, whose wgmma GEMMs the backend uses on H100/H200)
arch="$sm"
[ "$sm" = 90 ] && arch=90a
"$nvcc" -shared -O3 -std=c++17 --expt-relaxed-constexpr -lineinfo -DOLMO_WITH_CUDA \
  -Xcompiler -fPIC,-fopenmp,-fvisibility=hidden \
  -I"$here/include" -I"$here/src" -I"$here/jni-include" -I"$here/jni-include/linux" \
  -gencode "arch=compute_$arch,code=[sm_$arch,compute_$arch]" -cudart static \
  -o "$tmp/libolmo_engine.so" \
  "$here/src/engine.cpp" "$here/src/loader.cpp" "$here/src/cpu/cpu_backend.cpp" \
  "$here/src/cuda/cuda_backend.cu" "$here/jni/olmo_jni.c" -lgomp
mv -f "$tmp/libolmo_engine.so" "$out/libolmo_engine.so"
rm -rf "$tmp"
echo "native=$out/libolmo_engine.so built in $(($(date +%s) - t0)) s"
