#!/usr/bin/env python3
"""Same bits before and after a kernel change: a fixed workload's tokens and logits from one library
(and OLMO_CUDA_* setting), saved, then compared with another's.

  bits_check.py run --lib LIB --out A.npz [--snap /tmp/olmo_1b]     (OLMO_CUDA_* from the environment)
  bits_check.py compare A.npz B.npz                                 exit 1 where anything differs

The workload: 24 sequences with prompts of 60..400 tokens (so rows of one and two attention splits)
through one batched prefill and 48 batched steps (the greedy tokens of every step, then every slot's
logits), one batch-1 prefill + 32 decode steps (tokens and the last logits), and a second batch of 64
rows of 128-token prompts for 8 steps (the deep GEMM configuration with the fused norm).
"""
import argparse
import os
import sys

import numpy as np


def batch(eng, prompts, steps, logit_rows):
    """One batched prefill of the prompts (slots 0..), `steps` batched steps; the greedy tokens of
    every step and the logits of the first logit_rows slots; the slots released after."""
    slots = np.arange(len(prompts), dtype=np.int32)
    cur = eng.batch_prefill(slots, prompts)
    toks = [cur.copy()]
    for _ in range(steps):
        cur = eng.batch_decode(slots, cur)
        toks.append(cur.copy())
    logits = np.stack([eng.slot_logits(int(s)) for s in slots[:logit_rows]])
    for s in slots:
        eng.slot_release(int(s))
    return np.stack(toks), logits


def run(a):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import olmo_ctypes as oc
    lib = oc.Lib(a.lib)
    eng = oc.Engine(lib, snapshot=a.snap, backend=oc.BACKEND_CUDA, max_seq=512, slots=64)
    out = {"description": np.array(eng.description)}
    rng = np.random.default_rng(11)
    try:
        prompts = [rng.integers(0, 100000, size=int(n)).astype(np.int32) for n in rng.integers(60, 400, size=24)]
        out["batch_tokens"], out["batch_logits"] = batch(eng, prompts, 48, 24)
        prompts = [rng.integers(0, 100000, size=128).astype(np.int32) for _ in range(64)]
        out["b64_tokens"], out["b64_logits"] = batch(eng, prompts, 8, 8)
        eng.reset()
        t = eng.prefill(rng.integers(0, 100000, size=200))
        seq = [t]
        for _ in range(32):
            t = eng.decode(t)
            seq.append(t)
        out["b1_tokens"] = np.array(seq)
        out["b1_logits"] = eng.logits()
    finally:
        eng.close()
    np.savez(a.out, **out)
    print(f"{a.out}: {out['description']}")


def compare(a):
    x, y = np.load(a.a), np.load(a.b)
    bad = 0
    for k in sorted(set(x.files) | set(y.files)):
        if k == "description":
            continue
        if k not in x.files or k not in y.files:
            print(f"{k}: only in one")
            bad += 1
            continue
        if x[k].shape != y[k].shape:
            print(f"{k:14s} DIFFER (shapes {x[k].shape} and {y[k].shape})")
            bad += 1
            continue
        same = np.array_equal(x[k].view(np.uint8), y[k].view(np.uint8))
        note = "" if same else f" (max |diff| {np.max(np.abs(x[k].astype(np.float64) - y[k].astype(np.float64))):.3g})"
        print(f"{k:14s} {'same bits' if same else 'DIFFER'}{note}")
        bad += 0 if same else 1
    print("bits_check:", "identical" if bad == 0 else f"{bad} arrays differ")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--lib", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--snap", default="/tmp/olmo_1b")
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    a = ap.parse_args()
    if a.cmd == "run":
        run(a)
        return 0
    return compare(a)


if __name__ == "__main__":
    sys.exit(main())
