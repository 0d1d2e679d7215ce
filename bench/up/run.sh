#!/usr/bin/env bash
# bench/up: `orchestrate up --profile vast --prompt` on the simulator with zero provisioning delay,
# cold (new machine: env and assets sent) and warm (`orchestrate run` on the same machine, a 1 GiB
# asset tree unchanged): wall time to the first engine output and per-step times. Not a test.
#
#   bench/up/run.sh [--asset-mib 1024] [--tokens 16]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin/orchestrate --version >/dev/null   # builds the CLI (and its lib/) if stale
bin/engine --help >/dev/null                                  # builds the engine runtime if stale
exec java -cp "orchestrator/cli/target/lib/*" bench/up/UpBench.java "$@"
