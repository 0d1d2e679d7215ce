#!/usr/bin/env bash
# bench/sync: our verified delta sync against `rsync -a` over ssh, both to the same loopback sshd,
# on incompressible data shaped like a model snapshot. Prints a table; not a test.
#
#   bench/sync/run.sh [--shards 4] [--shard-mib 512] [--streams 2] [--repeat 2] [--dir DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps
mvn -B -q -ntp install -pl orchestrator/ssh -am -DskipTests -Dspotless.check.skip=true >/dev/null
cp_file=$(mktemp)
mvn -B -q -ntp dependency:build-classpath -pl orchestrator/ssh -Dmdep.outputFile="$cp_file" >/dev/null
cp="orchestrator/ssh/target/classes:$(cat "$cp_file")"
rm -f "$cp_file"
exec java -Xmx2g -cp "$cp" bench/sync/SyncBench.java "$@"
