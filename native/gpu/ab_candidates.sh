#!/usr/bin/env bash
# One device call for tuning candidates behind OLMO_CUDA_* variables (native/NOTES.md "v20-v22", "v23"):
#  0. the engine tests on CUDA (PB's olmo_test cuda) with BEST set (the engine's own batched checks:
#     batch-64 == alone, bit for bit);
#  1. kernel tests (KT: attn and wgmma by default) of PB's olmo_kernel_test;
#  2. the same bits as a reference library (OLD, e.g. the last measured one) on a fixed workload
#     (bits_check.py), with the defaults and with BEST (which must not change a bit);
#  3. the batched step's kernel timeline at 64 sequences (timeline.py, CUPTI), defaults and BEST;
#  4. ab_quick.py: OLD's defaults, then PB with each variant in VARIANTS (one process, 2 rounds).
# Usage (on the GPU machine, from the checkout): PB=.gpu/pb-new OLD=.gpu/pb-ref OUT=... \
#   [BEST="OLMO_CUDA_PAIR=1"] [KT="wgmma"] [VARIANTS="name=VAR=V;VAR=V ..."] native/gpu/ab_candidates.sh
# PB / OLD: prebuilt folders (libolmo_engine.so, olmo_kernel_test from OLMO_CUDA_ARCHS=90a native/build.sh cuda).
set -uo pipefail
: "${PB:?a prebuilt folder to test}" "${OLD:?a reference prebuilt folder}" "${OUT:?a folder for the logs}"
PB=$(readlink -f "$PB"); OLD=$(readlink -f "$OLD")
BEST=${BEST:-"OLMO_CUDA_PAIR=1"}
VARIANTS=${VARIANTS:-"base= pair=OLMO_CUDA_PAIR=1 pb18=OLMO_CUDA_PAIR=1;OLMO_CUDA_PAIRB=18 pb14=OLMO_CUDA_PAIR=1;OLMO_CUDA_PAIRB=14 pc512=OLMO_CUDA_PAIR=1;OLMO_CUDA_ACHUNK=512 c512=OLMO_CUDA_ACHUNK=512"}
G=$(dirname "$0")
export PYTHONUNBUFFERED=1
t0=$(date +%s)
el() { echo "t=$(( $(date +%s) - t0 ))"; }
nvidia-smi --query-gpu=name --format=csv,noheader
[[ -f /tmp/olmo_1b/config.json ]] || (python3 -c "import sys; sys.path.insert(0,'$G'); import parity_bench as pb; pb.write_snapshot(pb.build_model('1b', seed=1234), '/tmp/olmo_1b', '50GB')" > /dev/null 2>&1; echo "snapshot rc=$?") &
SNAP=$!
env $BEST LD_LIBRARY_PATH=$PB timeout 150 $PB/olmo_test cuda > $OUT/engine_cuda.txt 2>&1; echo "olmo_test cuda ($BEST): exit $?"
tail -2 $OUT/engine_cuda.txt
for f in ${KT:-attn wgmma}; do
  OLMO_KERNEL_TESTS=$f LD_LIBRARY_PATH=$PB timeout 120 $PB/olmo_kernel_test > $OUT/kt_$f.txt 2>&1; echo "kernel tests $f: exit $?"
  grep -E "FAIL" $OUT/kt_$f.txt | head -5; grep "kernel tests:" $OUT/kt_$f.txt
done; el
wait $SNAP; el
B=$G/bits_check.py
LD_LIBRARY_PATH=$OLD timeout 60 python3 $B run --lib $OLD/libolmo_engine.so --out /tmp/bits_old.npz | tail -1
LD_LIBRARY_PATH=$PB timeout 60 python3 $B run --lib $PB/libolmo_engine.so --out /tmp/bits_new.npz | tail -1
env $BEST OLMO_CUDA_KROT=0 LD_LIBRARY_PATH=$PB timeout 60 python3 $B run --lib $PB/libolmo_engine.so --out /tmp/bits_best.npz | tail -1
echo "defaults vs the reference:"; python3 $B compare /tmp/bits_old.npz /tmp/bits_new.npz
echo "$BEST (without KROT, which changes the order) vs the defaults:"; python3 $B compare /tmp/bits_new.npz /tmp/bits_best.npz | tail -1; el
export LD_LIBRARY_PATH=$PB
timeout 100 python3 $G/timeline.py --lib $PB/libolmo_engine.so --steps 0,64,192,320 --window 6 --json $OUT/timeline.json > $OUT/timeline.txt 2>&1
echo "timeline (defaults): exit $?"; grep -v "^$" $OUT/timeline.txt | head -64; el
env $BEST timeout 100 python3 $G/timeline.py --lib $PB/libolmo_engine.so --steps 0,192 --window 6 > $OUT/timeline_best.txt 2>&1
echo "timeline ($BEST): exit $?"; grep -v "^$" $OUT/timeline_best.txt | grep -v "^#" | head -30; el
LD_LIBRARY_PATH=$OLD timeout 90 python3 $G/ab_quick.py --lib $OLD/libolmo_engine.so --batches 64,128 --rounds 2 --variant "reference=" | tail -2; el
args=()
for v in $VARIANTS; do args+=(--variant "$v"); done
timeout 300 python3 $G/ab_quick.py --lib $PB/libolmo_engine.so --batches 64,128 --rounds 2 --json $OUT/ab.json "${args[@]}" | tail -$(( ${#args[@]} / 2 + 3 )); el
