#!/usr/bin/env python3
"""Batched decode on the GPU: faithfulness on a trained model, then throughput against transformers.

1. Trained fixture (native/gpu/train_tiny.py, about a minute of training on the standard library's
   sources): teacher-forced logits of held-out text, ours vs transformers (BF16 sdpa and FP32), for
   our prefill, our batch-1 decode and our batched decode (64 slots stepping together, each on its
   own text): relative error and argmax agreement against the parity bar (<= 1e-2, >= 99 %).
   Then greedy generation of 64 prompts of different lengths: in one batch of 64 vs each alone
   through the batched calls (must be identical: batch invariance) and vs the batch-1 calls
   (olmo_decode, GEMV kernels: a different summation order, so agreement is reported).
2. Throughput, 1B shape: output tokens/s at 1, 8, 32, 64, 128 concurrent sequences (128-token
   prompts, 256 new tokens each), ours vs transformers' batched generate (static cache, compiled),
   with each point's roofline: bytes per step (weights once + every sequence's KV cache) over the
   copy bandwidth, FLOPs per step over the measured BF16 GEMM rate; the larger time is the floor.

   Each point is the median of --rounds timed runs (default 3; every run's tok/s is kept in the JSON).

Usage: batch_bench.py --lib LIB --out DIR [--snap-1b DIR] [--batches 1,8,32,64,128] [--hf-batches 1,64] [--rounds 3]
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import olmo_ctypes as oc  # noqa: E402
import train_tiny  # noqa: E402

results = {}


def log(*a):
    print(*a, flush=True)


def save(out):
    with open(os.path.join(out, "batch_results.json"), "w") as f:
        json.dump(results, f, indent=2)


def cmp(ours, ref):
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    rel = float(np.sqrt(((ours - ref) ** 2).sum() / (ref ** 2).sum()))
    agree = float((ours.argmax(-1) == ref.argmax(-1)).mean())
    return dict(rel=rel, argmax=agree, positions=int(np.prod(ref.shape[:-1])), finite=bool(np.isfinite(ours).all()),
                bar=bool(rel <= 1e-2 and agree >= 0.99 and np.isfinite(ours).all()))


def load_hf(path, dtype):
    from transformers import Olmo2ForCausalLM
    return Olmo2ForCausalLM.from_pretrained(path, dtype=dtype).cuda().eval()


def hf_logits(model, seqs):
    with torch.no_grad():
        x = torch.tensor(np.stack(seqs), device="cuda")
        return model(x).logits.float().cpu().numpy()


def trained_checks(lib, out, seconds, nseq=64, seq=256):
    log("== trained fixture")
    snap = "/tmp/olmo_trained"
    results["train"] = train_tiny.train(snap, seconds=seconds, log=log)
    seqs = train_tiny.held_out(nseq, seq, seed=1)
    hf = load_hf(snap, torch.bfloat16)
    torch.backends.cuda.matmul.allow_tf32 = False
    hf32 = load_hf(snap, torch.float32)
    ref16, ref32 = hf_logits(hf, seqs), hf_logits(hf32, seqs)
    V = ref16.shape[-1]
    eng = oc.Engine(lib, snapshot=snap, backend=oc.BACKEND_CUDA, max_seq=1024, slots=nseq)
    log("   engine:", eng.description)
    # prefill (all logits) and batch-1 decode, first 8 sequences
    pre, dec = [], []
    for ids in seqs[:8]:
        eng.reset()
        p, _ = eng.prefill_all_logits(ids)
        pre.append(p)
        eng.reset()
        d = np.full_like(p, np.nan)
        eng.prefill(ids[:1])
        d[0] = eng.logits()
        for i in range(1, seq):
            eng.decode(int(ids[i]))
            eng.logits(d[i])
        dec.append(d)
    eng.reset()
    # batched decode, teacher-forced: all sequences step together, one slot each
    bat = np.full((nseq, seq, V), np.nan, dtype=np.float32)
    slots = np.arange(nseq, dtype=np.int32)
    for s in range(nseq):
        eng.slot_prefill(s, seqs[s][:1])
        eng.slot_logits(s, bat[s, 0])
    for i in range(1, seq):
        eng.batch_decode(slots, np.array([q[i] for q in seqs], dtype=np.int32))
        for s in range(nseq):
            eng.slot_logits(s, bat[s, i])
    for s in range(nseq):
        eng.slot_release(s)
    r = results["trained_parity"] = dict(
        hf_bf16_vs_hf_f32=cmp(ref16, ref32),
        prefill_vs_hf_bf16=cmp(np.stack(pre), ref16[:8]), decode_vs_hf_bf16=cmp(np.stack(dec), ref16[:8]),
        batched_vs_hf_bf16=cmp(bat, ref16),
        prefill_vs_hf_f32=cmp(np.stack(pre), ref32[:8]), decode_vs_hf_f32=cmp(np.stack(dec), ref32[:8]),
        batched_vs_hf_f32=cmp(bat, ref32))
    for k, v in r.items():
        log(f"   {k}: {v}")
    save(out)
    # greedy: 64 prompts of 16..143 tokens, 128 new tokens each
    new = 128
    prompts = [seqs[s][: 16 + (s * 37) % 128] for s in range(nseq)]
    for s in range(nseq):
        first = eng.slot_prefill(s, prompts[s])
        prompts[s] = (prompts[s], first)
    toks = np.zeros((nseq, new), dtype=np.int32)
    cur = np.array([p[1] for p in prompts], dtype=np.int32)
    t0 = time.perf_counter()
    for i in range(new):
        toks[:, i] = cur
        cur = eng.batch_decode(slots, cur)
    batched_s = time.perf_counter() - t0
    alone, b1 = np.zeros_like(toks), np.zeros_like(toks)
    one = np.zeros(1, dtype=np.int32)
    for s in range(nseq):
        eng.slot_release(s)
        t = eng.slot_prefill(0, prompts[s][0])
        for i in range(new):
            alone[s, i] = t
            t = int(eng.batch_decode(one, np.array([t], dtype=np.int32))[0])
        eng.slot_release(0)
        t = eng.prefill(prompts[s][0])
        for i in range(new):
            b1[s, i] = t
            t = eng.decode(t)
        eng.reset()
    eng.close()
    first_diff = [int(np.argmax(b1[s] != toks[s])) if (b1[s] != toks[s]).any() else new for s in range(nseq)]
    g = results["trained_greedy"] = dict(
        sequences=nseq, new_tokens=new, batched_s=batched_s,
        batch64_eq_alone_batched=int(sum((toks[s] == alone[s]).all() for s in range(nseq))),
        batch64_eq_batch1_calls=int(sum((toks[s] == b1[s]).all() for s in range(nseq))),
        token_agreement_vs_batch1=float((toks == b1).mean()),
        median_first_divergence_vs_batch1=float(statistics.median(first_diff)))
    log("   greedy:", g)
    save(out)
    del hf, hf32
    torch.cuda.empty_cache()


def gemm_rate():
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    ts = []
    for _ in range(10):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); a @ b; e.record(); e.synchronize()
        ts.append(s.elapsed_time(e) / 1e3)
    return 2 * 8192 ** 3 / statistics.median(ts)


def copy_bandwidth():
    n = 1 << 30
    a = torch.empty(n, dtype=torch.uint8, device="cuda").random_()
    b = torch.empty_like(a)
    for _ in range(3):
        b.copy_(a)
    ts = []
    for _ in range(20):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); b.copy_(a); e.record(); e.synchronize()
        ts.append(s.elapsed_time(e) / 1e3)
    return 2 * n / statistics.median(ts)


def roofline(cfg, B, prompt, new, bw, flops_rate):
    """Output tokens/s floor of one batch point: per step, the weights once plus every sequence's
    KV cache at its mean length (prompt + new/2), and the FLOPs of B tokens."""
    H, I, L, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"], cfg["vocab_size"]
    D = H // cfg["num_attention_heads"]
    Q, KV = cfg["num_attention_heads"] * D, cfg["num_key_value_heads"] * D
    mat = L * ((Q + 2 * KV) * H + H * Q + 3 * H * I) + V * H
    ctx = prompt + new / 2
    kv_bytes = B * ctx * L * 2 * KV * 2
    step_bytes = 2 * mat + kv_bytes
    step_flops = B * (2 * mat + L * 4 * ctx * Q)
    t_mem, t_flop = step_bytes / bw, step_flops / flops_rate
    return dict(step_bytes=step_bytes, step_flops=step_flops, t_mem_ms=t_mem * 1e3, t_flop_ms=t_flop * 1e3,
                tok_s=B / max(t_mem, t_flop), bound="memory" if t_mem >= t_flop else "compute")


def ours_batch(eng, B, prompts, new, rounds=3):
    """rounds timed runs after a warm-up: the median run's numbers (by total time), and every run's tok/s."""
    slots = np.arange(B, dtype=np.int32)

    def run():
        nxt = np.empty(B, dtype=np.int32)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        cur = eng.batch_prefill(slots, prompts)  # packed into passes of 512 tokens
        t1 = time.perf_counter()
        for _ in range(new - 1):  # the prefill gave the first new token
            eng.batch_decode(slots, cur, nxt)
            cur, nxt = nxt, cur
        t2 = time.perf_counter()
        for s in range(B):
            eng.slot_release(s)
        return t1 - t0, t2 - t1, t2 - t0

    run()  # warm-up
    runs = sorted((run() for _ in range(max(1, rounds))), key=lambda r: r[2])
    pre, dec, tot = runs[len(runs) // 2]
    return dict(tok_s=B * new / tot, decode_tok_s=B * (new - 1) / dec, prefill_s=pre, total_s=tot,
                step_ms=dec / (new - 1) * 1e3, rounds_tok_s=[B * new / r[2] for r in runs])


def hf_batch(model, B, prompts, new, rounds=3):
    """The first run compiles; then rounds timed runs: the median's tok/s, and every run's."""
    ids = torch.tensor(np.stack(prompts), device="cuda")
    kw = dict(max_new_tokens=new, min_new_tokens=new, do_sample=False, attention_mask=torch.ones_like(ids),
              pad_token_id=model.config.pad_token_id, cache_implementation="static")
    ts = []
    for _ in range(1 + max(1, rounds)):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.no_grad():
            o = model.generate(ids, **kw)
        torch.cuda.synchronize()
        ts.append(time.perf_counter() - t0)
        assert o.shape[1] - ids.shape[1] == new
    timed = sorted(ts[1:])
    med = timed[len(timed) // 2]
    return dict(tok_s=B * new / med, first_run_s=ts[0], total_s=med, rounds_tok_s=[B * new / t for t in timed])


def throughput(lib, out, snap, batches, hf_batches, skip_ours=False, prompt=128, new=256, rounds=3):
    log("== batched throughput, 1B shape")
    cfg = json.load(open(os.path.join(snap, "config.json")))
    bw, fr = copy_bandwidth(), gemm_rate()
    results["copy_bw_GBs"], results["gemm_TFLOPs"] = bw / 1e9, fr / 1e12
    log(f"   copy bandwidth {bw / 1e9:.0f} GB/s, bf16 GEMM {fr / 1e12:.0f} TFLOP/s")
    rng = np.random.default_rng(11)
    maxb = max(batches)
    prompts = [rng.integers(0, 100000, size=prompt).astype(np.int64) for _ in range(maxb)]
    rows = results["batched"] = []
    ours, b1_calls = {}, None
    if not skip_ours:
        ours, b1_calls = ours_points(lib, snap, batches, prompts, prompt, new, rounds)
    hf = load_hf(snap, torch.bfloat16) if hf_batches else None
    for B in batches:
        r = dict(batch=B, roofline=roofline(cfg, B, prompt, new, bw, fr))
        if B in ours:
            r["ours"] = ours[B]
        if B == 1 and b1_calls:
            r["ours_batch1_calls_tok_s"] = b1_calls
        if B in hf_batches:
            try:
                r["hf_static"] = hf_batch(hf, B, prompts[:B], new, rounds)
            except Exception as e:  # report, keep ours
                r["hf_static"] = dict(error=str(e)[:300])
        log(f"   B={B}: {r}")
        rows.append(r)
        save(out)
    del hf
    torch.cuda.empty_cache()


def ours_points(lib, snap, batches, prompts, prompt, new, rounds=3):
    eng = oc.Engine(lib, snapshot=snap, backend=oc.BACKEND_CUDA, max_seq=prompt + new + 8, slots=max(batches))
    log("   engine:", eng.description)
    ours = {B: ours_batch(eng, B, prompts[:B], new, rounds) for B in batches}
    for B in batches:
        log(f"   ours B={B}: {ours[B]}")
    # batch 1 through the batch-1 calls (GEMV kernels, one CUDA graph per step) for comparison
    ts = []
    for _ in range(2):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        t = eng.prefill(prompts[0])
        for _ in range(new - 1):
            t = eng.decode(t)
        ts.append(time.perf_counter() - t0)
        eng.reset()
    b1_calls = new / ts[-1]
    eng.close()
    torch.cuda.empty_cache()
    return ours, b1_calls


def table(out):
    lines = []
    if "trained_parity" in results:
        t = results["train"]
        lines.append(f"trained fixture: {t['params'] / 1e6:.1f} M params, {t['steps']} steps in {t['seconds']:.0f} s, "
                     f"loss {t['final_loss']:.3f} (bytes of the stdlib sources)")
        for k, v in results["trained_parity"].items():
            lines.append(f"  {k:24s} rel {v['rel']:.2e}  argmax {v['argmax']:.4f}  ({v['positions']} positions)  "
                         f"bar {'yes' if v['bar'] else 'no'}")
        g = results["trained_greedy"]
        lines.append(f"  greedy, 64 prompts x 128 new: batch-64 == alone (batched calls) {g['batch64_eq_alone_batched']}/64; "
                     f"== batch-1 calls {g['batch64_eq_batch1_calls']}/64, token agreement "
                     f"{g['token_agreement_vs_batch1']:.4f}")
    if "batched" in results:
        lines.append(f"batched, 1B shape, 128-token prompts + 256 new (copy {results['copy_bw_GBs']:.0f} GB/s, "
                     f"GEMM {results['gemm_TFLOPs']:.0f} TFLOP/s)")
        lines.append("  seqs | ours tok/s (decode-only) | step ms | HF static tok/s | ours/HF | roofline tok/s (bound) | ours/roofline")
        for r in results["batched"]:
            o, rf, h = r.get("ours"), r["roofline"], r.get("hf_static", {})
            if o is None:
                hf_s = h.get("tok_s")
                lines.append(f"  {r['batch']:4d} | - | - | {'-' if hf_s is None else f'{hf_s:.0f}'} | - | "
                             f"{rf['tok_s']:.0f} ({rf['bound']}) | -")
                continue
            hf_s = h.get("tok_s")
            hf_txt = "-" if hf_s is None else f"{hf_s:.0f}"
            ratio = "-" if hf_s is None else f"{o['tok_s'] / hf_s:.2f}x"
            lines.append(f"  {r['batch']:4d} | {o['tok_s']:9.0f} ({o['decode_tok_s']:.0f}) | {o['step_ms']:.2f} | "
                         f"{hf_txt} | {ratio} | {rf['tok_s']:.0f} ({rf['bound']}) | "
                         f"{o['decode_tok_s'] / rf['tok_s']:.1%}")
        b1 = [r for r in results["batched"] if "ours_batch1_calls_tok_s" in r]
        if b1:
            lines.append(f"  (1 sequence through the batch-1 calls, GEMV + CUDA graph: {b1[0]['ours_batch1_calls_tok_s']:.0f} tok/s)")
    text = "\n".join(lines)
    with open(os.path.join(out, "batch_table.txt"), "w") as f:
        f.write(text + "\n")
    log("\n" + text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--out", default=".")
    ap.add_argument("--snap-1b", default="/tmp/olmo_1b", help="1B-shape snapshot (parity_bench.py writes one)")
    ap.add_argument("--batches", default="1,8,32,64,128")
    ap.add_argument("--train-seconds", type=float, default=60.0)
    ap.add_argument("--skip-trained", action="store_true")
    ap.add_argument("--skip-ours", action="store_true", help="time transformers only")
    ap.add_argument("--hf-batches", default="1,8,32,64,128", help="batch sizes timed with transformers (none: no transformers run)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="timed runs per point, ours and transformers (after a warm-up / the compiling run): the median is reported")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    lib = oc.Lib(a.lib)
    results["device"] = torch.cuda.get_device_properties(0).name
    if not a.skip_trained:
        trained_checks(lib, a.out, a.train_seconds)
    if not os.path.exists(os.path.join(a.snap_1b, "config.json")):
        import parity_bench  # the same random-weight 1B snapshot parity_bench.py writes
        log(f"   writing a random-weight 1B snapshot to {a.snap_1b}")
        parity_bench.write_snapshot(parity_bench.build_model("1b", seed=1234), a.snap_1b, "50GB")
        torch.cuda.empty_cache()
    throughput(lib, a.out, a.snap_1b, [int(b) for b in a.batches.split(",")],
               [int(b) for b in a.hf_batches.split(",") if b and b != "none"], a.skip_ours, rounds=a.rounds)
    save(a.out)
    table(a.out)
    ok = True
    if "trained_greedy" in results:
        ok = results["trained_greedy"]["batch64_eq_alone_batched"] == 64
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
