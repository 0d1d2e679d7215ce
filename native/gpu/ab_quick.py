#!/usr/bin/env python3
"""Kernel-variant A/B in one process: for each variant (a set of OLMO_CUDA_OLD, OLMO_CUDA_SPLIT,
OLMO_PREFILL_PASS, OLMO_CUDA_L2, OLMO_CUDA_ACHUNK, OLMO_CUDA_APF, OLMO_CUDA_APRO, OLMO_CUDA_WPF and
OLMO_CUDA_KROT environment variables, read when an engine is created), TTFT of
a 512-token prompt,
batch-1 decode (32-token prompt + 256 new through the batch-1 calls, decode-only tok/s, best of 3) and
batched generation (128-token prompts + 256 new; its batched prefill's time too) at the given batch
sizes, on a random-weight 1B-shape snapshot. The variants run
in turn, --rounds times (ABC ABC ...), so a drift of the card's clocks hits all of them alike; the
table shows each variant's best round and its ratio to the first variant.

Usage: ab_quick.py --lib LIB [--snap /tmp/olmo_1b] [--batches 64,128] [--rounds 2] [--json OUT] \
           --variant NAME=VAR=VALUE[;VAR=VALUE...] ...      (NAME= alone: no variables)
e.g. --variant v8= --variant v7=OLMO_CUDA_OLD=chain (native/NOTES.md "v8" has the table it printed)
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import olmo_ctypes as oc  # noqa: E402

KNOBS = ("OLMO_CUDA_OLD", "OLMO_CUDA_SPLIT", "OLMO_PREFILL_PASS", "OLMO_CUDA_L2", "OLMO_CUDA_ACHUNK", "OLMO_CUDA_APF", "OLMO_CUDA_WPF", "OLMO_CUDA_KROT",
         "OLMO_CUDA_APRO")


def parse_variant(text):
    name, _, rest = text.partition("=")
    env = {}
    for item in filter(None, rest.split(";")):
        k, _, v = item.partition("=")
        env[k] = v
    return name, env


def measure(lib, snap, env, batches, prompt=128, new=256):
    for k in KNOBS:
        os.environ.pop(k, None)
    os.environ.update(env)
    out = {}
    rng = np.random.default_rng(7)
    eng = oc.Engine(lib, snapshot=snap, backend=oc.BACKEND_CUDA, max_seq=1024, slots=max(batches))
    try:
        out["description"] = eng.description
        ids = rng.integers(0, 100000, size=512)
        ts = []
        for _ in range(8):
            eng.reset()
            t0 = time.perf_counter()
            eng.prefill(ids)
            ts.append(time.perf_counter() - t0)
        out["ttft_ms"] = statistics.median(ts[1:]) * 1e3
        b1 = []
        for _ in range(3):
            eng.reset()
            tok = eng.prefill(ids[:32])
            t0 = time.perf_counter()
            for _ in range(256):
                tok = eng.decode(tok)
            b1.append(256 / (time.perf_counter() - t0))
        eng.reset()
        out["b1_tok_s"] = max(b1)
        for B in batches:
            slots = np.arange(B, dtype=np.int32)
            prompts = [rng.integers(0, 100000, size=prompt).astype(np.int32) for _ in range(B)]
            best = None
            for _ in range(2):
                t0 = time.perf_counter()
                cur = eng.batch_prefill(slots, prompts)
                t1 = time.perf_counter()
                nxt = np.empty(B, dtype=np.int32)
                for _ in range(new - 1):
                    eng.batch_decode(slots, cur, nxt)
                    cur, nxt = nxt, cur
                t2 = time.perf_counter()
                for s in range(B):
                    eng.slot_release(s)
                r = dict(tok_s=B * new / (t2 - t0), dec_tok_s=B * (new - 1) / (t2 - t1),
                         step_ms=(t2 - t1) / (new - 1) * 1e3, prefill_ms=(t1 - t0) * 1e3)
                if best is None or r["tok_s"] > best["tok_s"]:
                    best = r
            out[B] = best
    finally:
        eng.close()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--snap", default="/tmp/olmo_1b")
    ap.add_argument("--batches", default="64,128")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--variant", action="append", required=True)
    ap.add_argument("--json", help="also write each variant's best numbers here")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.snap, "config.json")):
        import parity_bench
        parity_bench.write_snapshot(parity_bench.build_model("1b", seed=1234), a.snap, "50GB")
    lib = oc.Lib(a.lib)
    batches = [int(b) for b in a.batches.split(",")]
    variants = [parse_variant(v) for v in a.variant]
    best = {}
    for rnd in range(a.rounds):
        for name, env in variants:
            r = measure(lib, a.snap, env, batches)
            print(f"round {rnd} {name:16s} ttft {r['ttft_ms']:.2f} ms  b1 {r['b1_tok_s']:.1f}  " +
                  "  ".join(f"b{B} {r[B]['tok_s']:.0f} ({r[B]['dec_tok_s']:.0f}) step {r[B]['step_ms']:.3f}"
                            for B in batches) + f"   [{r['description']}]", flush=True)
            b = best.setdefault(name, r)
            b["ttft_ms"] = min(b["ttft_ms"], r["ttft_ms"])
            b["b1_tok_s"] = max(b["b1_tok_s"], r["b1_tok_s"])
            for B in batches:
                if r[B]["tok_s"] > b[B]["tok_s"]:
                    b[B] = r[B]
    base = best[variants[0][0]]
    print("\nvariant           env" + " " * 40 + "TTFT ms (x)     b1 tok/s (x)     " +
          "".join(f"b{B} tok/s (decode-only) step ms prefill ms (x)   " for B in batches))
    for name, env in variants:
        r = best[name]
        envs = ";".join(f"{k}={v}" for k, v in env.items()) or "-"
        line = (f"{name:16s}  {envs:42s} {r['ttft_ms']:6.2f} ({r['ttft_ms'] / base['ttft_ms']:.2f})  "
                f"{r['b1_tok_s']:7.1f} ({r['b1_tok_s'] / base['b1_tok_s']:.3f})  ")
        for B in batches:
            line += (f"{r[B]['tok_s']:7.0f} ({r[B]['dec_tok_s']:6.0f}) {r[B]['step_ms']:.3f} {r[B]['prefill_ms']:6.1f} "
                     f"({r[B]['tok_s'] / base[B]['tok_s']:.2f})   ")
        print(line)
    if a.json:
        with open(a.json, "w") as f:
            json.dump([dict(name=n, env=e, ttft_ms=best[n]["ttft_ms"], b1_tok_s=best[n]["b1_tok_s"],
                            description=best[n]["description"],
                            batches={str(B): best[n][B] for B in batches}) for n, e in variants], f, indent=1)


if __name__ == "__main__":
    main()
