#!/usr/bin/env bash
# `engine generate --prompts` on the GPU machine, through Java -> JNI -> CUDA (the bundle of
# native/gpu/make-java-bundle.sh, carried as native/build/e2e): output tokens/s of the whole
# Java path (scheduler, per-sequence sampling and stop checks, results file) at several --batch
# sizes on the OLMo-2-1B shape, and whether every prompt's greedy tokens at the largest batch equal
# its batch-1 tokens. Run: device tool, carry ["native/build/e2e"],
# command `bash bench/prompts/gpu-batch.sh` (E=DIR names the bundle elsewhere, e.g. a copy under
# .gpu/<name>/); results under $OUT. BATCHES, PROMPTS, NEW, CONFIG and HF=0|1 tune it.
set -uo pipefail
export E="$(cd "${E:-native/build/e2e}" && pwd)"
O="${OUT:-/tmp/prompts-bench}"
mkdir -p "$O"
export JAVA_HOME="$E/jre" XDG_CACHE_HOME="$O/cache" ORCHESTRATE_CUSTOM_DEVICE=cuda
cli() { "$JAVA_HOME/bin/java" -Xmx8g -cp "$E/lib/*" dev.orchestrate.engine.cli.EngineCli "$@"; }
nvidia-smi --query-gpu=name --format=csv,noheader
snap=/tmp/olmo-1b-seed1
cli snapshot create --config "${CONFIG:-olmo2-1b}" --seed 1 --dtype bf16 --out "$snap" | tail -1
PROMPTS="${PROMPTS:-128}" NEW="${NEW:-256}" python3 - "$O/prompts.jsonl" <<'PY'
import json, os, sys
words = "the quick brown fox jumps over a lazy dog while seven wizards quietly juggle boxes".split()
with open(sys.argv[1], "w") as f:
    for i in range(int(os.environ["PROMPTS"])):
        text = " ".join(words[(i + k) % len(words)] for k in range(100 + i % 28))
        f.write(json.dumps({"id": f"p{i}", "prompt": text, "max_new_tokens": int(os.environ["NEW"])}) + "\n")
PY
for b in ${BATCHES:-1 8 32 64 128}; do
  rm -f "$O/r-$b.jsonl"
  /usr/bin/time -f "wall %e s, max rss %M KB" \
    bash -c "$(declare -f cli); cli generate --snapshot $snap --backend custom --prompts $O/prompts.jsonl --out $O/r-$b.jsonl --batch $b" \
    > "$O/out-$b.txt" 2> "$O/err-$b.txt"
  echo "batch $b: exit $? $(tail -1 "$O/out-$b.txt" | python3 -c 'import json,sys; m=json.loads(sys.stdin.read()); print(m["prompts"], "prompts", m["new_tokens"], "tokens in", m["total_ms"], "ms:", m["tok_s"], "tok/s")') ($(tail -1 "$O/err-$b.txt"))"
done
python3 - "$O" ${BATCHES:-1 8 32 64 128} <<'PY'
import json, sys
out, batches = sys.argv[1], sys.argv[2:]
def load(b):
    return {r["id"]: r["tokens"] for r in map(json.loads, open(f"{out}/r-{b}.jsonl"))}
one = load(batches[0])
for b in batches[1:]:
    other = load(b)
    same = sum(one[k] == other.get(k) for k in one)
    print(f"batch {b} vs batch {batches[0]}: {same}/{len(one)} prompts with identical greedy tokens")
PY
# hf (transformers in a child process, one sequence at a time): a prompt file's greedy tokens equal
# hf_generate.py's for each prompt alone, on the tiny snapshot.
if [[ "${HF:-1}" == 1 ]]; then
  tiny=/tmp/olmo-tiny-seed1
  cli snapshot create --config tiny --seed 1 --dtype bf16 --out "$tiny" | tail -1
  head -6 "$O/prompts.jsonl" | python3 -c 'import json,sys
for l in sys.stdin: r=json.loads(l); r["max_new_tokens"]=12; print(json.dumps(r))' > "$O/hf-prompts.jsonl"
  cli generate --snapshot "$tiny" --backend hf --prompts "$O/hf-prompts.jsonl" --out "$O/hf.jsonl" --batch 4 \
    > "$O/hf-out.txt" 2> "$O/hf-err.txt"; echo "hf --prompts: exit $? $(tail -1 "$O/hf-out.txt")"
  python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("dev/orchestrate/engine/hf/hf_generate.py"))' \
    "$E/lib/engine.jar" > "$O/hf_generate.py"
  python3 - "$O" "$tiny" <<'PY'
import json, subprocess, sys
out, tiny = sys.argv[1:]
got = {r["id"]: r["tokens"] for r in map(json.loads, open(f"{out}/hf.jsonl"))}
same = 0
for line in open(f"{out}/hf-prompts.jsonl"):
    r = json.loads(line)
    subprocess.run([sys.executable, f"{out}/hf_generate.py", "--snapshot", tiny, "--prompt", r["prompt"],
                    "--max-new-tokens", "12", "--ids-out", f"{out}/ids.json"], check=True, capture_output=True)
    alone = json.load(open(f"{out}/ids.json"))["generated_ids"]
    same += alone == got[r["id"]]
    if alone != got[r["id"]]:
        print("DIFFER", r["id"], alone, got[r["id"]])
print(f"hf prompt file vs hf_generate.py alone: {same}/{len(got)} prompts with identical greedy tokens")
PY
fi
