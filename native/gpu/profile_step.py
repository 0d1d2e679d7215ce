#!/usr/bin/env python3
"""One decode step of the 1B shape under Nsight Compute: where the time of a step goes.

Run as: ncu --profile-from-start off --metrics gpu__time_duration.sum,dram__bytes.sum \
            --csv --log-file OUT.csv python3 profile_step.py --lib LIB --snap DIR --batch B
then summarise with: profile_step.py --summarise OUT.csv
--batch 0 profiles one batch-1 step (olmo_decode, the CUDA graph); B >= 1 one olmo_batch_decode
step of B sequences at position 192 (128-token prompt + 64 generated); --prefill N one prefill of an
N-token prompt (what TTFT is made of; the batch is ignored); --batch-prefill N one olmo_batch_prefill of B
prompts of N tokens each (B x N within one pass: a batched generation's prefill).
Add lts__t_bytes.sum to --metrics for an L2 column; --summarise with --by-grid keys each row by
kernel name and ncu's Grid Size column, so each GEMM shape of a step gets its own row.
"""
import argparse
import collections
import csv
import os
import sys

import numpy as np


def run(a):
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import olmo_ctypes as oc
    lib = oc.Lib(a.lib)
    B = 1 if a.prefill else max(a.batch, 1)
    eng = oc.Engine(lib, snapshot=a.snap, backend=oc.BACKEND_CUDA, max_seq=max(512, a.prefill, a.batch_prefill), slots=B)
    rng = np.random.default_rng(1)
    if a.batch_prefill:
        slots = list(range(B))
        prompts = [rng.integers(0, 100000, size=a.batch_prefill) for _ in slots]
        eng.batch_prefill(slots, prompts)  # warm
        for s in slots:
            eng.slot_release(s)
        torch.cuda.profiler.start()
        eng.batch_prefill(slots, prompts)
        torch.cuda.profiler.stop()
    elif a.prefill:
        ids = rng.integers(0, 100000, size=a.prefill)
        eng.prefill(ids)  # warm (first launches, lazy module loading)
        eng.reset()
        torch.cuda.profiler.start()
        eng.prefill(ids)
        torch.cuda.profiler.stop()
    elif a.batch == 0:
        t = eng.prefill(rng.integers(0, 100000, size=128))
        for _ in range(64):
            t = eng.decode(t)
        torch.cuda.profiler.start()
        eng.decode(t)
        torch.cuda.profiler.stop()
    else:
        slots = np.arange(B, dtype=np.int32)
        cur = np.array([eng.slot_prefill(s, rng.integers(0, 100000, size=128)) for s in range(B)], dtype=np.int32)
        for _ in range(64):
            cur = eng.batch_decode(slots, cur)
        torch.cuda.profiler.start()
        eng.batch_decode(slots, cur)
        torch.cuda.profiler.stop()
    eng.close()


TIME = {"ns": 1e-3, "nsecond": 1e-3, "us": 1, "usecond": 1, "ms": 1e3, "msecond": 1e3}
BYTES = {"byte": 1, "Kbyte": 1e3, "KB": 1e3, "Mbyte": 1e6, "MB": 1e6, "Gbyte": 1e9, "GB": 1e9, "Tbyte": 1e12}


def summarise(path, by_grid=False):
    """Per kernel (and per grid size with by_grid): launches, time, share, DRAM and L2 GB/s."""
    rows = list(csv.DictReader(l for l in open(path) if l.startswith('"')))
    launches = collections.defaultdict(dict)  # ID -> {name, grid, metric: value}
    for r in rows:
        d = launches[r["ID"]]
        d["name"] = r["Kernel Name"].split("(")[0].split("<")[0][:34]
        d["grid"] = r.get("Grid Size", "")
        v = float(r["Metric Value"].replace(",", ""))
        unit = r["Metric Unit"]
        if r["Metric Name"] == "gpu__time_duration.sum":
            d["us"] = v * TIME[unit]
        elif r["Metric Name"] == "dram__bytes.sum":
            d["dram"] = v * BYTES[unit]
        elif r["Metric Name"] == "lts__t_bytes.sum":
            d["l2"] = v * BYTES[unit]
    per = collections.defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for d in launches.values():
        key = d["name"] + (" " + d["grid"] if by_grid and d["grid"] else "")
        p = per[key]
        p[0] += 1
        p[1] += d.get("us", 0.0)
        p[2] += d.get("dram", 0.0)
        p[3] += d.get("l2", 0.0)
    tot = sum(p[1] for p in per.values()) or 1.0
    print(f"{'kernel':50s} {'launches':>8s} {'us':>9s} {'share':>6s} {'DRAM GB/s':>9s} {'L2 GB/s':>8s}")
    for name, (n, us, dr, l2) in sorted(per.items(), key=lambda kv: -kv[1][1]):
        rate = (lambda b: b / (us * 1e-6) / 1e9 if us else 0)
        print(f"{name:50s} {n:8d} {us:9.1f} {us / tot:6.1%} {rate(dr):9.0f} {rate(l2):8.0f}")
    print(f"{'total (kernel time, no gaps)':50s} {sum(p[0] for p in per.values()):8d} {tot:9.1f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib")
    ap.add_argument("--snap", default="/tmp/olmo_1b")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--prefill", type=int, default=0)
    ap.add_argument("--batch-prefill", type=int, default=0, help="one batched prefill of --batch prompts of N tokens")
    ap.add_argument("--summarise")
    ap.add_argument("--by-grid", action="store_true", help="with --summarise: one row per kernel and grid size")
    a = ap.parse_args()
    if a.summarise:
        summarise(a.summarise, a.by_grid)
    else:
        run(a)
