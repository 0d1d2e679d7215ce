#!/usr/bin/env bash
# bench/images: reproducible image builds on a private dockerd (overlay2). For each image: the cold
# build (empty workspace and daemon: base made by mmdebstrap or written by us), the no-op rebuild
# (inputs unchanged: target <= 2 s), a forced rebuild with a warm base (--no-cache), and the size
# of the load archive without and with the base layers. Prints a table; not a test.
#
#   bench/images/run.sh [IMAGE...]      default: test cpu (cpu only when the engine is built)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps
mvn -B -q -ntp install -pl orchestrator/docker -am -DskipTests -Dspotless.check.skip=true >/dev/null
cp_file=$(mktemp)
mvn -B -q -ntp dependency:build-classpath -pl orchestrator/docker -Dmdep.outputFile="$cp_file" >/dev/null
cp="orchestrator/docker/target/classes:$(cat "$cp_file")"
rm -f "$cp_file"
exec java -cp "$cp" bench/images/ImagesBench.java "$@"
