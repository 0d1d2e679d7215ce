#!/usr/bin/env python3
"""One decode step of the 1B shape under Nsight Compute: where the time of a step goes.

Run as: ncu --profile-from-start off --metrics gpu__time_duration.sum,dram__bytes.sum \
            --csv --log-file OUT.csv python3 profile_step.py --lib LIB --snap DIR --batch B
then summarise with: profile_step.py --summarise OUT.csv
--batch 0 profiles one batch-1 step (olmo_decode, the CUDA graph); B >= 1 one olmo_batch_decode
step of B sequences at position 192 (128-token prompt + 64 generated).
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
    B = max(a.batch, 1)
    eng = oc.Engine(lib, snapshot=a.snap, backend=oc.BACKEND_CUDA, max_seq=512, slots=B)
    rng = np.random.default_rng(1)
    if a.batch == 0:
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


def summarise(path):
    rows = list(csv.DictReader(l for l in open(path) if l.startswith('"')))
    per = collections.defaultdict(lambda: [0, 0.0, 0.0])
    for r in rows:
        name = r["Kernel Name"].split("(")[0].split("<")[0][:40]
        v = float(r["Metric Value"].replace(",", ""))
        unit = r["Metric Unit"]
        if r["Metric Name"] == "gpu__time_duration.sum":
            per[name][0] += 1
            per[name][1] += v * {"ns": 1e-3, "nsecond": 1e-3, "us": 1, "usecond": 1, "ms": 1e3, "msecond": 1e3}[unit]
        elif r["Metric Name"] == "dram__bytes.sum":
            scale = {"byte": 1, "Kbyte": 1e3, "KB": 1e3, "Mbyte": 1e6, "MB": 1e6, "Gbyte": 1e9, "GB": 1e9}[unit]
            per[name][2] += v * scale
    tot = sum(p[1] for p in per.values())
    print(f"{'kernel':40s} {'launches':>8s} {'us':>9s} {'share':>6s} {'GB/s':>7s}")
    for name, (n, us, by) in sorted(per.items(), key=lambda kv: -kv[1][1]):
        print(f"{name:40s} {n:8d} {us:9.1f} {us / tot:6.1%} {by / (us * 1e-6) / 1e9 if us else 0:7.0f}")
    print(f"{'total (kernel time, no gaps)':40s} {sum(p[0] for p in per.values()):8d} {tot:9.1f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib")
    ap.add_argument("--snap", default="/tmp/olmo_1b")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--summarise")
    a = ap.parse_args()
    if a.summarise:
        summarise(a.summarise)
    else:
        run(a)
