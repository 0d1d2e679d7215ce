#!/usr/bin/env bash
# Kernel A/B on the GPU machine, one call: for each prebuilt folder in VARIANTS (libolmo_engine.so,
# olmo_test, olmo_kernel_test from `OLMO_CUDA_ARCHS=90 native/build.sh cuda` built elsewhere, carried
# into the checkout): the whole-engine CUDA test, the kernel tests, the batched table
# (batch_bench.py, ours) and batch-1 decode + TTFT (parity_bench.py --bench-only); then, on the first
# variant that passed, the trained fixture (parity, batch-64 == alone) and ncu for batch 64 and 1;
# transformers' batched generate last when time is left. Results: $OUT/run.tgz.
# Usage: VARIANTS="dir-a dir-b" OUT=... BUDGET=seconds native/gpu/ab_kernels.sh
# The "v6 tuning on an H200" table in NOTES.md came from the session-4 form of this script with
# VARIANTS="pb-v6 pb-main" (same sections; it also made the chat fixture in the same call).
set -uo pipefail
: "${VARIANTS:?name the prebuilt folders to compare, e.g. VARIANTS=\"pb-new pb-main\"}" "${OUT:?a folder for run.tgz}"
export PYTHONUNBUFFERED=1
R=/tmp/r; mkdir -p $R
T0=$(date +%s)
left() { echo $(( ${BUDGET:-420} - ($(date +%s) - T0) )); }
pack() { (cd $R && tar czf $OUT/run.tgz .) 2>/dev/null; }
sec() { echo "== [$(( $(date +%s) - T0 ))s] $*"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee $R/gpu.txt
passed=()
first=${VARIANTS%% *}
for d in ${VARIANTS:?name the prebuilt folders to compare}; do
  [[ -f $d/libolmo_engine.so ]] || continue
  [[ $(left) -gt 60 ]] || break
  v=$(basename $d)
  sec "$v: tests"
  LD_LIBRARY_PATH=$d timeout 60 $d/olmo_test cuda > $R/test_cuda_$v.txt 2>&1; t=$?
  LD_LIBRARY_PATH=$d timeout 60 $d/olmo_kernel_test > $R/kernels_$v.txt 2>&1; k=$?
  echo "$v: olmo_test cuda exit $t; kernel tests exit $k: $(grep -v '^PASS' $R/kernels_$v.txt | tail -1)"
  grep -v '^PASS' $R/kernels_$v.txt | grep -v "^device\|kernel tests:" | head -8
  [[ $t == 0 ]] || tail -4 $R/test_cuda_$v.txt
  [[ $t == 0 && $k == 0 ]] && passed+=($d)
  sec "$v: batched (ours)"
  LD_LIBRARY_PATH=$d timeout 90 python3 native/gpu/batch_bench.py --lib $d/libolmo_engine.so --out $R/batch_$v --skip-trained --hf-batches none > $R/batch_$v.log 2>&1
  tail -8 $R/batch_$v.log
  sec "$v: batch-1 + TTFT"
  LD_LIBRARY_PATH=$d timeout 100 python3 native/gpu/parity_bench.py --lib $d/libolmo_engine.so --out $R/b1_$v --bench-only --skip-7b --skip-static > $R/b1_$v.log 2>&1
  grep -E "decode-only|TTFT|limit|PDL|unfused" $R/b1_$v.log | tail -7
  pack
done
best=${passed[0]:-}
echo "passed: ${passed[*]:-none}; best (first passing): ${best:-none}"
if [[ -n "$best" && $(left) -gt 50 ]]; then
  sec "trained fixture on $(basename $best)"
  LD_LIBRARY_PATH=$best timeout 120 python3 native/gpu/batch_bench.py --lib $best/libolmo_engine.so --out $R/trained --train-seconds 30 --batches 64 --hf-batches none > $R/trained.log 2>&1
  grep -A10 "^trained fixture" $R/trained.log
  pack
  for b in 64 0; do
    [[ $(left) -gt 60 ]] || break
    sec "ncu $(basename $best) batch $b"
    LD_LIBRARY_PATH=$best timeout 50 ncu --profile-from-start off --metrics gpu__time_duration.sum,dram__bytes.sum --csv \
      --log-file $R/ncu_b$b.csv python3 native/gpu/profile_step.py --lib $best/libolmo_engine.so --batch $b > $R/ncu_b$b.log 2>&1
    python3 native/gpu/profile_step.py --summarise $R/ncu_b$b.csv 2>&1 | head -14
    pack
  done
fi
if [[ $(left) -gt 100 ]]; then
  sec "transformers batched generate (static cache, compiled)"
  timeout $(( $(left) - 10 )) python3 native/gpu/batch_bench.py --lib ${passed[0]:-$first}/libolmo_engine.so --out $R/hf --skip-trained --skip-ours --hf-batches 1,8,32,64,128 > $R/hf.log 2>&1
  tail -8 $R/hf.log
fi
pack
sec done
