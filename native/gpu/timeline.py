#!/usr/bin/env python3
"""Where a batched decode step's time goes when the kernels run as they do in a generation (PDL overlap
included): a kernel trace through CUPTI (torch.profiler; Nsight Systems is not installed on the GPU
machine, and Nsight Compute serialises the kernels it measures).

B sequences get a P-token prompt (one batched prefill), then decode; at each of the given step numbers
a window of --window steps is traced. Per window: the step's span (first kernel's start to the last
kernel's end), and per kernel (name and grid) the mean duration, the mean gap from the previous
kernel's end to its start (negative: it overlapped) and the mean span per step. With --by-position,
one row per window for the attention alone: its mean duration against the keys it reads, and the
fitted fixed part and bytes per microsecond (duration = a + bytes / rate, least squares).

Usage: timeline.py --lib LIB [--snap /tmp/olmo_1b] [--batch 64] [--prompt 128] [--steps 0,64,192,320]
                   [--window 6] [--json OUT]
The OLMO_CUDA_* variables in the environment apply (read when the engine is made).
"""
import argparse
import collections
import json
import os
import statistics
import sys
import tempfile

import numpy as np


def short(name):
    """'void olmo::k::gemm_wg_kernel<0, 64, 12, 1, 1>(...)' -> 'gemm_wg_kernel'"""
    return name.split("(")[0].split("<")[0].replace("void ", "").strip().split("::")[-1][:28]


def trace_window(eng, slots, cur, nxt, steps):
    import torch
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(steps):
            eng.batch_decode(slots, cur, nxt)
            cur, nxt = nxt, cur
        torch.cuda.synchronize()
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    prof.export_chrome_trace(path)
    with open(path) as f:
        ev = json.load(f)["traceEvents"]
    os.unlink(path)
    ks = [e for e in ev if e.get("cat") == "kernel" and e.get("ph") == "X"]
    ks.sort(key=lambda e: float(e["ts"]))
    return ks, cur, nxt


def split_steps(ks):
    """Kernels grouped into steps: a step starts at each embed kernel."""
    out, cur = [], []
    for e in ks:
        if short(e["name"]).startswith("embed") and cur:
            out.append(cur)
            cur = []
        cur.append(e)
    if cur:
        out.append(cur)
    return [s for s in out if short(s[0]["name"]).startswith("embed")]


def layer_slots(step):
    """Each kernel's place in its layer: a layer starts at its qkv GEMM, the GEMM before each attention
    (and before its split-K reduce, where qkv has one), so o_proj and down (the same kernel and grid in
    the 1B) get rows of their own."""
    att = [i for i, e in enumerate(step) if short(e["name"]).startswith("attn_decode")]
    starts = []
    for i in att:
        j = i - 1
        while j > 0 and short(step[j]["name"]).startswith("gemm_splitk_reduce"):
            j -= 1
        starts.append(max(j, 0))
    slots = []
    for i in range(len(step)):
        begun = [s0 for s0 in starts if s0 <= i]
        slots.append(f"[{i - begun[-1]}]" if begun else "[pre]")
    return slots


def summarise(steps):
    per = collections.OrderedDict()
    spans = []
    for s in steps:
        t0 = float(s[0]["ts"])
        spans.append(max(float(e["ts"]) + float(e["dur"]) for e in s) - t0)
        prev_end = None
        for e, slot in zip(s, layer_slots(s)):
            g = e.get("args", {}).get("grid", "")
            key = f"{short(e['name'])} {tuple(g) if g else ''} {slot}"
            d = per.setdefault(key, {"n": 0, "dur": 0.0, "gap": 0.0})
            d["n"] += 1
            d["dur"] += float(e["dur"])
            if prev_end is not None:
                d["gap"] += float(e["ts"]) - prev_end
            prev_end = float(e["ts"]) + float(e["dur"])
    return per, spans


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--snap", default="/tmp/olmo_1b")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--steps", default="0,64,192,320", help="decode steps after which a window starts")
    ap.add_argument("--window", type=int, default=6)
    ap.add_argument("--kv-bytes-per-token", type=int, default=2 * 2048 * 2, help="K and V of one layer (1B: 8192)")
    ap.add_argument("--json")
    a = ap.parse_args()
    import torch
    torch.cuda.init()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import olmo_ctypes as oc
    lib = oc.Lib(a.lib)
    marks = sorted(int(x) for x in a.steps.split(","))
    eng = oc.Engine(lib, snapshot=a.snap, backend=oc.BACKEND_CUDA,
                    max_seq=a.prompt + marks[-1] + a.window + 8, slots=a.batch)
    rng = np.random.default_rng(5)
    B = a.batch
    slots = np.arange(B, dtype=np.int32)
    prompts = [rng.integers(0, 100000, size=a.prompt).astype(np.int32) for _ in range(B)]
    cur = eng.batch_prefill(slots, prompts)
    nxt = np.empty(B, dtype=np.int32)
    for _ in range(3):  # warm: graphs captured, modules loaded
        eng.batch_decode(slots, cur, nxt)
        cur, nxt = nxt, cur
    done, report, attn_pts = 3, [], []
    desc = eng.description
    print(f"# {desc}")
    for m in marks:
        while done < m:
            eng.batch_decode(slots, cur, nxt)
            cur, nxt = nxt, cur
            done += 1
        ks, cur, nxt = trace_window(eng, slots, cur, nxt, a.window)
        pos = a.prompt + done
        done += a.window
        steps = split_steps(ks)
        per, spans = summarise(steps)
        ns = max(len(steps), 1)
        span = statistics.median(spans) if spans else None
        print(f"\n== steps {done - a.window}..{done - 1} (position {pos}..{pos + a.window - 1}), {len(steps)} whole steps,"
              f" step span {span or 0:.1f} us (median)")
        print(f"{'kernel (grid)':58s} {'per step':>8s} {'mean us':>8s} {'us/step':>8s} {'gap us':>7s}")
        tot = 0.0
        rows = []
        for k, d in per.items():
            rows.append(dict(kernel=k, per_step=d["n"] / ns, mean_us=d["dur"] / d["n"], us_step=d["dur"] / ns,
                             gap_us=d["gap"] / d["n"]))
            tot += d["dur"] / ns
        for r in sorted(rows, key=lambda r: -r["us_step"]):
            print(f"{r['kernel']:58s} {r['per_step']:8.1f} {r['mean_us']:8.2f} {r['us_step']:8.1f} {r['gap_us']:7.2f}")
        print(f"{'sum of durations per step':58s} {'':8s} {'':8s} {tot:8.1f}")
        att = [r for r in rows if r["kernel"].startswith("attn_decode_batch")]
        if att:
            mean_pos = pos + (a.window - 1) / 2
            n = sum(r["per_step"] for r in att)
            attn_pts.append((mean_pos, sum(r["us_step"] for r in att) / n))
        report.append(dict(position=pos, steps=len(steps), span_us=span, kernels=rows))
    if len(attn_pts) >= 2:
        xs = np.array([B * (p + 1) * a.kv_bytes_per_token for p, _ in attn_pts], dtype=float)
        ys = np.array([t for _, t in attn_pts], dtype=float)
        slope, icpt = np.polyfit(xs, ys, 1)
        print("\nattention, one launch: position, MB read, us, GB/s")
        for (p, t), x in zip(attn_pts, xs):
            print(f"  {p:7.1f} {x / 1e6:8.1f} {t:8.2f} {x / t / 1e3:8.0f}")
        print(f"  fit: {icpt:.2f} us fixed + bytes at {1 / slope / 1e3:.0f} GB/s")
    eng.close()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(description=desc, windows=report), f, indent=1)


if __name__ == "__main__":
    main()
