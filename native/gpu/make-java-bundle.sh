#!/usr/bin/env bash
# Packs what `engine generate --backend custom` needs on the GPU machine (which has no Java) into
# native/build/e2e (≈ 58 MB, under the device tool's 64 MiB carry limit):
#   jre/  jlink'd JDK 17 (java.base, logging, management, sql, xml, jdk.unsupported; stripped)
#   lib/  the engine's runtime jars without PyTorch, DJL tokenizers cut to linux-x86_64, engine.jar,
#         engine-native-cuda.jar (libolmo_engine.so with CUDA as the class-path resource)
#   bin/  olmo_test + libolmo_engine.so for the CUDA ctest and compute-sanitizer
#   run.sh  = native/gpu/java-e2e.sh
# Prerequisite: `mvn -pl native,engine compile` with nvcc present (native/target/cmake/cuda).
# Then: run tool, carry ["native/build/e2e"], command `bash native/build/e2e/run.sh`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
jdk="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
cuda_build="$root/native/target/cmake/cuda"
out="$root/native/build/e2e"
[[ -f "$cuda_build/libolmo_engine.so" ]] || { echo "no $cuda_build/libolmo_engine.so: build the native module with nvcc first" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out/lib" "$out/bin"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
for f in $(tr ':' '\n' < "$root/engine/target/runtime-classpath.txt"); do
  case "$(basename "$f")" in
    pytorch-native-*|pytorch-jni-*|engine-native*|classes) ;;
    tokenizers-*.jar)
      mkdir "$tmp/tok" && (cd "$tmp/tok" && "$jdk/bin/jar" xf "$f" && \
        find native/lib -mindepth 1 -maxdepth 1 -type d ! -name linux-x86_64 -exec rm -rf {} + && \
        "$jdk/bin/jar" cfm "$out/lib/$(basename "$f" .jar)-linux-x86_64.jar" META-INF/MANIFEST.MF .) ;;
    *) [[ -f "$f" ]] && cp "$f" "$out/lib/" ;;
  esac
done
"$jdk/bin/jar" cf "$out/lib/engine.jar" -C "$root/engine/target/classes" .
mkdir -p "$tmp/native/dev/orchestrate/engine/native/linux-x86_64"
cp "$cuda_build/libolmo_engine.so" "$tmp/native/dev/orchestrate/engine/native/linux-x86_64/"
"$jdk/bin/jar" cf "$out/lib/engine-native-cuda.jar" -C "$tmp/native" .
cp "$cuda_build/olmo_test" "$cuda_build/libolmo_engine.so" "$out/bin/"
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,java.sql,jdk.unsupported,java.xml \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$out/jre"
rm -f "$out/jre/lib/server/"classes*.jsa
strip --strip-unneeded "$out/jre/lib/server/libjvm.so"
cp "$root/native/gpu/java-e2e.sh" "$out/run.sh"
du -sbc "$out" | tail -1
