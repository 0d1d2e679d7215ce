#!/usr/bin/env python3
"""GPU parity check and benchmark of libolmo_engine against Hugging Face transformers.

Runs on the GPU machine (torch + transformers, no Java). For each config it writes a random-weight
OLMo-2 snapshot (config.json + BF16 safetensors), loads it with transformers' Olmo2ForCausalLM and
with our library (ctypes), and compares teacher-forced logits over a 512-token sequence, for our
prefill and for our token-by-token decode. Then it times decode and time to first token.

Three parity checks, all on the same snapshot bytes and tokens:
  1. BF16, ours (CUDA) vs transformers BF16 (its default attention, sdpa). Reported against the
     issue's literal bar (<= 1e-2, >= 99 % argmax) and against transformers' own BF16 spread: the
     same comparison between two transformers BF16 runs that differ only in kernels (eager vs
     sdpa attention; cuBLAS reduced-precision reductions off). BF16 rounding at every module
     boundary makes any accumulation-order change grow to ~1e-2 over the layers, so the spread is
     the smallest difference any other implementation can have.
  2. FP32, the rounding-free check: our CPU backend with OLMO_FLAG_F32_ACTIVATIONS vs transformers
     FP32 (TF32 off) on the same BF16 weights. Bar: <= 1e-4 relative, >= 99 % argmax.
  3. Kernel by kernel, CUDA vs CPU on identical inputs (olmo_kernel_test, run by bench/engine-gpu).

Usage: parity_bench.py --lib native/build/cuda/libolmo_engine.so --out DIR [--skip-static] [--skip-7b]
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

CONFIGS = {
    # small, GQA (4 heads / 2 kv heads), head_dim 128, sharded snapshot
    "tiny": dict(vocab_size=4096, hidden_size=512, intermediate_size=1024, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2),
    "1b": dict(vocab_size=100352, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
               num_attention_heads=16, num_key_value_heads=16),
    "7b": dict(vocab_size=100352, hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
               num_attention_heads=32, num_key_value_heads=32),
}
COMMON = dict(max_position_embeddings=4096, rms_norm_eps=1e-6, attention_bias=False, hidden_act="silu",
              tie_word_embeddings=False, pad_token_id=100277, eos_token_id=100257, bos_token_id=None)

results = {}


def log(*a):
    print(*a, flush=True)


def save(out):
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)


def make_config(name):
    from transformers import Olmo2Config
    kw = dict(COMMON, **CONFIGS[name])
    if kw["vocab_size"] <= kw["pad_token_id"]:
        kw.update(pad_token_id=kw["vocab_size"] - 1, eos_token_id=kw["vocab_size"] - 2)
    cfg = Olmo2Config(rope_theta=500000.0, **kw)
    rp = getattr(cfg, "rope_parameters", None)
    if isinstance(rp, dict):
        rp["rope_theta"] = 500000.0
        rp.setdefault("rope_type", "default")
    return cfg


def build_model(name, seed):
    from transformers import Olmo2ForCausalLM
    cfg = make_config(name)
    torch.manual_seed(seed)
    with torch.device("cuda"):
        model = Olmo2ForCausalLM(cfg)
    model = model.to(torch.bfloat16)
    g = torch.Generator(device="cuda").manual_seed(seed + 1)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "norm" in n:  # randomise norm weights so a misplaced norm multiply is caught
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g, device="cuda"))
    return model.eval()


def write_snapshot(model, path, shard):
    model.save_pretrained(path, safe_serialization=True, max_shard_size=shard)
    return path


def load_hf(path, dtype, attn=None):
    from transformers import Olmo2ForCausalLM
    kw = dict(attn_implementation=attn) if attn else {}
    try:
        m = Olmo2ForCausalLM.from_pretrained(path, dtype=dtype, **kw)
    except TypeError:
        m = Olmo2ForCausalLM.from_pretrained(path, torch_dtype=dtype, **kw)
    return m.cuda().eval()


def hf_logits(model, ids):
    with torch.no_grad():
        return model(torch.tensor(ids[None], device="cuda")).logits[0].float().cpu().numpy()


def stats(ours, ref):
    """Sums over the positions of one sequence; merge() adds sequences, summary() gives the metrics."""
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    d2 = ((ours - ref) ** 2).sum(1)
    r2 = (ref ** 2).sum(1)
    pick = ours.argmax(1)
    rows = np.arange(len(ref))
    top = ref.max(1)
    # A BF16 reference rounds its logits to 8 significant bits, so its top entry is often shared by
    # several tokens (argmax then takes the lowest id). "tie-aware": our pick is one of the
    # reference's top entries.
    return dict(d2=float(d2.sum()), r2=float(r2.sum()), worst_pos_rel=float(np.sqrt(d2 / r2).max()),
                n=len(ref), agree=int((pick == ref.argmax(1)).sum()), tie_aware=int((ref[rows, pick] >= top).sum()),
                ties=int(((ref >= top[:, None]).sum(1) > 1).sum()), finite=bool(np.isfinite(ours).all()))


def merge(a, b):
    if a is None:
        return b
    return dict(d2=a["d2"] + b["d2"], r2=a["r2"] + b["r2"], worst_pos_rel=max(a["worst_pos_rel"], b["worst_pos_rel"]),
                n=a["n"] + b["n"], agree=a["agree"] + b["agree"], tie_aware=a["tie_aware"] + b["tie_aware"],
                ties=a["ties"] + b["ties"], finite=a["finite"] and b["finite"])


def summary(t):
    n = t["n"]
    return dict(rel=float(np.sqrt(t["d2"] / t["r2"])), worst_pos_rel=t["worst_pos_rel"], argmax=t["agree"] / n,
                argmax_tie_aware=t["tie_aware"] / n, ref_top_ties=t["ties"] / n, positions=n,
                disagreements=n - t["agree"], finite=t["finite"])


def compare(ours, ref):
    return summary(stats(ours, ref))


def strict(c):
    """The issue's literal bar."""
    return c["rel"] <= 1e-2 and c["argmax"] >= 0.99 and c["finite"]


def parity(name, lib, out, seq=512, nseq=1, f32_seqs=1):
    """Teacher-forced logits over nseq random sequences of seq tokens (metrics pooled over all
    positions); our FP32-activation CPU run over the first f32_seqs of them."""
    log(f"== parity {name} ({nseq} x {seq} tokens)")
    torch.backends.cuda.matmul.allow_tf32 = False  # the FP32 reference must be FP32
    torch.backends.cudnn.allow_tf32 = False
    model = build_model(name, seed=1234)
    snap = f"/tmp/olmo_{name}"
    write_snapshot(model, snap, "2MB" if name == "tiny" else "50GB")
    log("   snapshot files:", sorted(os.listdir(snap)))
    del model
    torch.cuda.empty_cache()
    V = CONFIGS[name]["vocab_size"]
    seqs = [np.random.default_rng(7 + i).integers(0, min(V, 100278), size=seq).astype(np.int64) for i in range(nseq)]
    hf = load_hf(snap, torch.bfloat16)
    hf_eager = load_hf(snap, torch.bfloat16, attn="eager")
    hf32 = load_hf(snap, torch.float32)  # the same BF16 bytes, upcast on load
    attn = getattr(hf.config, "_attn_implementation", "?")
    eng = oc.Engine(lib, snapshot=snap, backend=oc.BACKEND_CUDA, max_seq=1024)
    log("   engine:", eng.description, "rope_theta", eng.cfg.rope_theta, "eps", eng.cfg.rms_norm_eps)
    cpu32 = oc.Engine(lib, snapshot=snap, backend=oc.BACKEND_CPU, max_seq=1024, flags=oc.FLAG_F32_ACTIVATIONS)
    log("   engine:", cpu32.description)
    acc = {}

    def add(key, ours, ref):
        acc[key] = merge(acc.get(key), stats(ours, ref))

    for i, ids in enumerate(seqs):
        ref_bf16 = hf_logits(hf, ids)
        # transformers' own BF16 spread: the same model and bytes, other kernels
        torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction = False
        ref_bf16_noreduce = hf_logits(hf, ids)
        torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction = True
        ref_bf16_eager = hf_logits(hf_eager, ids)
        ref_f32 = hf_logits(hf32, ids)
        pre, dec = teacher_forced(eng, ids)
        add("prefill_vs_hf_bf16", pre, ref_bf16)
        add("decode_vs_hf_bf16", dec, ref_bf16)
        add("hf_eager_vs_hf_bf16", ref_bf16_eager, ref_bf16)
        add("hf_noreduce_vs_hf_bf16", ref_bf16_noreduce, ref_bf16)
        add("prefill_vs_hf_f32", pre, ref_f32)
        add("decode_vs_hf_f32", dec, ref_f32)
        add("hf_bf16_vs_hf_f32", ref_bf16, ref_f32)
        add("prefill_vs_decode", pre, dec)
        if i < f32_seqs:
            t0 = time.perf_counter()
            pre32, dec32 = teacher_forced(cpu32, ids)
            add("f32_prefill_vs_hf_f32", pre32, ref_f32)
            add("f32_decode_vs_hf_f32", dec32, ref_f32)
            log(f"   sequence {i}: fp32-activation CPU run {time.perf_counter() - t0:.1f} s")
        log(f"   sequence {i}: ours prefill vs HF bf16 {compare(pre, ref_bf16)}")
    eng.close()
    cpu32.close()
    del hf, hf_eager, hf32
    torch.cuda.empty_cache()
    r = dict(hf_attention=attn, sequences=nseq, seq_len=seq)
    r.update({k: summary(v) for k, v in acc.items()})
    ours = ("prefill_vs_hf_bf16", "decode_vs_hf_bf16")
    r["pass"] = all(strict(r[k]) for k in ours)
    r["hf_self_pass"] = strict(r["hf_eager_vs_hf_bf16"])
    # Within transformers' own BF16 spread: as close to its default BF16 run as its other BF16
    # kernels are (rel within 25 % of the widest spread, argmax within 1 point of the lowest).
    spread = [r["hf_eager_vs_hf_bf16"], r["hf_noreduce_vs_hf_bf16"]]
    worst_rel, worst_arg = max(c["rel"] for c in spread), min(c["argmax"] for c in spread)
    r["pass_vs_hf_spread"] = all(r[k]["finite"] and r[k]["rel"] <= 1.25 * worst_rel and r[k]["argmax"] >= worst_arg - 0.01
                                 for k in ours)
    # Noise-floor criterion kept from v1: against FP32, ours as close as HF's own BF16 run.
    floor = r["hf_bf16_vs_hf_f32"]
    r["pass_vs_noise_floor"] = all(r[k]["rel"] <= 1.1 * floor["rel"] and r[k]["argmax"] >= floor["argmax"] - 0.01
                                   and r[k]["finite"] for k in ("prefill_vs_hf_f32", "decode_vs_hf_f32"))
    r["pass_f32"] = all(r[k]["finite"] and r[k]["rel"] <= 1e-4 and r[k]["argmax"] >= 0.99
                        for k in ("f32_prefill_vs_hf_f32", "f32_decode_vs_hf_f32"))
    for k, v in r.items():
        log(f"   {k}: {v}")
    results[f"parity_{name}"] = r
    save(out)
    return snap, seqs[0]


def teacher_forced(eng, ids):
    """All-logits prefill of ids, then the same positions token by token (decode path); both from
    an empty sequence (prefill appends to whatever the engine holds)."""
    eng.reset()
    pre, _ = eng.prefill_all_logits(ids)
    eng.reset()
    dec = np.full_like(pre, np.nan)  # poisoned: a position never written fails `finite`
    eng.prefill(ids[:1])
    dec[0] = eng.logits()
    for i in range(1, len(ids)):
        eng.decode(int(ids[i]))
        eng.logits(dec[i])
    return pre, dec


def copy_bandwidth():
    n = 1 << 30  # 1 GiB
    a = torch.empty(n, dtype=torch.uint8, device="cuda").random_()
    b = torch.empty_like(a)
    for _ in range(3):
        b.copy_(a)
    ts = []
    for _ in range(20):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); b.copy_(a); e.record(); e.synchronize()
        ts.append(s.elapsed_time(e) / 1e3)
    del a, b
    return 2 * n / statistics.median(ts)


def weight_bytes_per_token(name):
    c = CONFIGS[name]
    H, I, L, V = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"], c["vocab_size"]
    D = H // c["num_attention_heads"]
    Q, KV = c["num_attention_heads"] * D, c["num_key_value_heads"] * D
    per_layer = (Q + 2 * KV) * H + H * Q + 3 * H * I + Q + KV + 2 * H
    return 2 * (L * per_layer + V * H + H + H)  # lm_head + final norm + one embedding row


def time_ours(lib, snap, prompt, new_tokens=256, reps=3, eng=None):
    own = eng is None
    if own:
        eng = oc.Engine(lib, snapshot=snap, backend=oc.BACKEND_CUDA, max_seq=4096)
    times = []
    for _ in range(reps):
        eng.reset()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        tok = eng.prefill(prompt)
        for _ in range(new_tokens):
            tok = eng.decode(tok)
        times.append(time.perf_counter() - t0)
    # decode-only rate (prefill excluded)
    eng.reset()
    tok = eng.prefill(prompt)
    t0 = time.perf_counter()
    for _ in range(new_tokens):
        tok = eng.decode(tok)
    dec_only = new_tokens / (time.perf_counter() - t0)
    if own:
        eng.close()
    return new_tokens / min(times[1:] or times), dec_only


def time_ttft_ours(lib, snap, ids512, reps=7):
    eng = oc.Engine(lib, snapshot=snap, backend=oc.BACKEND_CUDA, max_seq=4096)
    ts = []
    for _ in range(reps):
        eng.reset()
        t0 = time.perf_counter()
        eng.prefill(ids512)
        ts.append(time.perf_counter() - t0)
    return eng, statistics.median(ts[1:])


def time_hf_generate(model, prompt, new_tokens, static):
    ids = torch.tensor(prompt[None], device="cuda")
    kw = dict(max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
              attention_mask=torch.ones_like(ids), pad_token_id=model.config.pad_token_id)
    if static:
        kw["cache_implementation"] = "static"
    ts = []
    for _ in range(2):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.no_grad():
            o = model.generate(ids, **kw)
        torch.cuda.synchronize()
        ts.append(time.perf_counter() - t0)
        assert o.shape[1] - ids.shape[1] == new_tokens
    return new_tokens / ts[-1], ts


def time_hf_forward(model, ids512, reps=7):
    x = torch.tensor(ids512[None], device="cuda")
    ts = []
    with torch.no_grad():
        for _ in range(reps):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            model(x, logits_to_keep=1)
            torch.cuda.synchronize()
            ts.append(time.perf_counter() - t0)
    return statistics.median(ts[1:])


def bench_7b(lib, bw):
    """7B shape, ours only: random BF16 weights handed over from host memory (no snapshot on disk)."""
    log("== 7b (ours only)")
    c = CONFIGS["7b"]
    H, I, L, V = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"], c["vocab_size"]
    g = torch.Generator(device="cuda").manual_seed(5)
    keep, ws = [], []

    def add(name, shape, mean=0.0, std=0.02):
        t = (mean + std * torch.randn(shape, generator=g, device="cuda")).to(torch.bfloat16).cpu().contiguous()
        keep.append(t)
        w = oc.Weight()
        w.name, w.dtype, w.ndim = name.encode(), oc.DTYPES["bfloat16"], len(shape)
        for i, s in enumerate(shape):
            w.shape[i] = s
        w.data = t.data_ptr()
        ws.append(w)

    add("model.embed_tokens.weight", (V, H)); add("lm_head.weight", (V, H)); add("model.norm.weight", (H,), 1, 0.1)
    for l in range(L):
        p = f"model.layers.{l}."
        for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
            add(p + f"self_attn.{n}.weight", (H, H))
        add(p + "self_attn.q_norm.weight", (H,), 1, 0.1); add(p + "self_attn.k_norm.weight", (H,), 1, 0.1)
        add(p + "mlp.gate_proj.weight", (I, H)); add(p + "mlp.up_proj.weight", (I, H)); add(p + "mlp.down_proj.weight", (H, I))
        add(p + "post_attention_layernorm.weight", (H,), 1, 0.1); add(p + "post_feedforward_layernorm.weight", (H,), 1, 0.1)
    cfg = oc.Config(vocab_size=V, hidden_size=H, intermediate_size=I, num_layers=L, num_heads=32, num_kv_heads=32,
                    head_dim=128, max_position_embeddings=4096, rope_theta=500000.0, rms_norm_eps=1e-6,
                    tie_word_embeddings=0)
    t0 = time.perf_counter()
    eng = oc.Engine(lib, config=cfg, weights=ws, backend=oc.BACKEND_CUDA, max_seq=4096)
    load_s = time.perf_counter() - t0
    del keep, ws
    prompt = np.random.default_rng(3).integers(0, 100278, size=32)
    tps, dec_only = time_ours(lib, None, prompt, eng=eng)
    eng.close()
    limit = bw / weight_bytes_per_token("7b")
    r = dict(load_s=load_s, tok_s=tps, decode_only_tok_s=dec_only, limit_tok_s=limit, fraction=dec_only / limit)
    log("  ", r)
    results["7b"] = r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--out", default=".")
    ap.add_argument("--skip-static", action="store_true")
    ap.add_argument("--skip-7b", action="store_true")
    ap.add_argument("--skip-tiny", action="store_true")
    ap.add_argument("--seqs", type=int, default=4, help="512-token sequences per parity config (pooled)")
    ap.add_argument("--f32-seqs", type=int, default=1, help="of those, how many also run our FP32 CPU mode (1B: ~45 s each)")
    ap.add_argument("--bench-only", action="store_true",
                    help="no random-weight parity (batch_bench.py checks parity on a trained model): write the 1B "
                         "snapshot and time decode / TTFT only")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    import transformers
    lib = oc.Lib(a.lib)
    dev = torch.cuda.get_device_properties(0)
    results["device"] = dict(name=dev.name, sms=dev.multi_processor_count, torch=torch.__version__,
                             transformers=transformers.__version__)
    log("device:", results["device"])
    bw = copy_bandwidth()
    results["copy_bw_GBs"] = bw / 1e9
    log(f"copy bandwidth: {bw / 1e9:.0f} GB/s")
    if a.bench_only:
        snap = "/tmp/olmo_1b"
        if not os.path.exists(os.path.join(snap, "config.json")):
            write_snapshot(build_model("1b", seed=1234), snap, "50GB")
            torch.cuda.empty_cache()
        ids = np.random.default_rng(7).integers(0, 100278, size=512).astype(np.int64)
    else:
        if not a.skip_tiny:
            parity("tiny", lib, a.out, nseq=2 * a.seqs, f32_seqs=2 * a.seqs)
        snap, ids = parity("1b", lib, a.out, nseq=a.seqs, f32_seqs=a.f32_seqs)
    prompt = ids[:32]
    limit = bw / weight_bytes_per_token("1b")
    b = results["bench_1b"] = dict(weight_bytes=weight_bytes_per_token("1b"), limit_tok_s=limit)
    eng, b["ours_ttft_512_ms"] = time_ttft_ours(lib, snap, ids)
    b["ours_ttft_512_ms"] *= 1e3
    b["ours_tok_s"], b["ours_decode_only_tok_s"] = time_ours(lib, snap, prompt, eng=eng)
    eng.close()
    b["ours_fraction_of_limit"] = b["ours_decode_only_tok_s"] / limit
    e2 = oc.Engine(lib, snapshot=snap, backend=oc.BACKEND_CUDA, max_seq=4096, flags=oc.FLAG_NO_PDL)
    b["ours_no_pdl_tok_s"], b["ours_no_pdl_decode_only_tok_s"] = time_ours(lib, snap, prompt, eng=e2)
    e2.close()
    e3 = oc.Engine(lib, snapshot=snap, backend=oc.BACKEND_CUDA, max_seq=4096, flags=oc.FLAG_UNFUSED_DECODE)
    b["ours_unfused_decode_only_tok_s"] = time_ours(lib, snap, prompt, eng=e3)[1]
    e3.close()
    b["ours_repeat_decode_only_tok_s"] = time_ours(lib, snap, prompt)[1]
    log("   ours:", b)
    save(a.out)
    hf = load_hf(snap, torch.bfloat16)
    b["hf_forward_512_ms"] = time_hf_forward(hf, ids) * 1e3
    b["hf_eager_tok_s"], _ = time_hf_generate(hf, prompt, 256, static=False)
    log("   hf eager:", b["hf_eager_tok_s"])
    save(a.out)
    if not a.skip_static:
        b["hf_static_tok_s"], ts = time_hf_generate(hf, prompt, 256, static=True)
        b["hf_static_first_run_s"] = ts[0]
        b["speedup_vs_static"] = b["ours_tok_s"] / b["hf_static_tok_s"]
        log("   hf static:", b["hf_static_tok_s"])
    del hf
    torch.cuda.empty_cache()
    save(a.out)
    if not a.skip_7b:
        try:
            bench_7b(lib, bw)
        except Exception as e:  # report, keep the 1B table
            results["7b"] = dict(error=str(e))
            log("7b failed:", e)
    save(a.out)
    # table
    rows = [("card", results["device"]["name"]), ("copy bandwidth GB/s", f"{results['copy_bw_GBs']:.0f}")]
    def rt(c, tie=False):
        return f"{c['rel']:.2e} / {c['argmax']:.4f}" + (f" (tie-aware {c['argmax_tie_aware']:.4f})" if tie else "")
    for name in ("tiny", "1b"):
        if f"parity_{name}" in results:
            q = results[f"parity_{name}"]
            npos = q["prefill_vs_hf_bf16"]["positions"]
            rows += [(f"[{name}] BF16, {npos} positions: rel / argmax vs HF bf16 ({q['hf_attention']})", ""),
                     ("  ours prefill", rt(q["prefill_vs_hf_bf16"], True)),
                     ("  ours decode", rt(q["decode_vs_hf_bf16"], True)),
                     ("  HF bf16 eager attention", rt(q["hf_eager_vs_hf_bf16"], True)),
                     ("  HF bf16, no reduced-precision reductions", rt(q["hf_noreduce_vs_hf_bf16"], True)),
                     ("  HF bf16 top-1 ties (share of positions)", f"{q['prefill_vs_hf_bf16']['ref_top_ties']:.4f}"),
                     ("  issue bar (<=1e-2, >=99%): ours / HF eager", f"{q['pass']} / {q['hf_self_pass']}"),
                     ("  within HF's own bf16 spread", str(q["pass_vs_hf_spread"])),
                     (f"[{name}] vs HF fp32: rel / argmax", ""),
                     ("  HF bf16", rt(q["hf_bf16_vs_hf_f32"])),
                     ("  ours bf16 prefill / decode", f"{rt(q['prefill_vs_hf_f32'])}; {rt(q['decode_vs_hf_f32'])}"),
                     (f"  ours fp32-activation (CPU) prefill, {q['f32_prefill_vs_hf_f32']['positions']} positions", rt(q["f32_prefill_vs_hf_f32"])),
                     ("  ours fp32-activation (CPU) decode", rt(q["f32_decode_vs_hf_f32"])),
                     ("  fp32 bar (<=1e-4, >=99%)", str(q["pass_f32"]))]
    rows += [("HF eager decode tok/s", f"{b['hf_eager_tok_s']:.1f}"),
             ("HF static compiled tok/s", f"{b.get('hf_static_tok_s', float('nan')):.1f}"),
             ("ours tok/s (32 prompt + 256 new)", f"{b['ours_tok_s']:.1f}"),
             ("ours decode-only tok/s", f"{b['ours_decode_only_tok_s']:.1f} (repeat {b['ours_repeat_decode_only_tok_s']:.1f})"),
             ("ours decode-only without PDL", f"{b['ours_no_pdl_decode_only_tok_s']:.1f}"),
             ("ours decode-only unfused (v2 kernels)", f"{b['ours_unfused_decode_only_tok_s']:.1f}"),
             ("weight-streaming limit tok/s", f"{limit:.1f}"),
             ("ours / limit", f"{b['ours_fraction_of_limit']:.1%}"),
             ("ours / HF static", f"{b.get('speedup_vs_static', float('nan')):.2f}x"),
             ("TTFT 512 ours ms", f"{b['ours_ttft_512_ms']:.2f}"),
             ("HF eager forward 512 ms", f"{b['hf_forward_512_ms']:.2f}")]
    if "7b" in results and "tok_s" in results["7b"]:
        s = results["7b"]
        rows.append(("7B ours decode-only tok/s / limit", f"{s['decode_only_tok_s']:.1f} / {s['limit_tok_s']:.1f} ({s['fraction']:.1%})"))
    w = max(len(r[0]) for r in rows)
    table = "\n".join(f"{k.ljust(w)}  {v}" for k, v in rows)
    with open(os.path.join(a.out, "table.txt"), "w") as f:
        f.write(table + "\n")
    log("\n" + table)
    ok = all(results[f"parity_{n}"]["pass_f32"] and results[f"parity_{n}"]["pass_vs_hf_spread"]
             for n in ("tiny", "1b") if f"parity_{n}" in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
