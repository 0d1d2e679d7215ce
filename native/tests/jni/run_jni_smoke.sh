#!/usr/bin/env bash
# ctest driver: compile the stand-in NativeEngine, write a tiny snapshot, run it through JNI.
#   run_jni_smoke.sh JAVAC JAVA OLMO_TEST LIBJNI WORKDIR [DEVICE]   (DEVICE -1 = CPU)
set -euo pipefail
javac="$1" java="$2" olmo_test="$3" lib="$4" work="$5" device="${6:--1}"
src="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work" && mkdir -p "$work/classes" "$work/snapshot"
"$javac" -d "$work/classes" "$src/dev/orchestrate/engine/custom/NativeEngine.java"
"$olmo_test" write-snapshot "$work/snapshot"
exec "$java" -cp "$work/classes" dev.orchestrate.engine.custom.NativeEngine "$lib" "$work/snapshot" "$device"
