#!/usr/bin/env python3
"""Trains a small OLMo-2 for about a minute on text found on the machine and saves it as a snapshot
the engine loads (config.json + model.safetensors, BF16).

Why: with random weights the logits over the vocabulary are flat, so BF16 rounding alone moves the
argmax at a few % of positions and neither "greedy output in a batch == alone" nor the parity bar
(>= 99 % argmax, <= 1e-2 relative vs transformers) can be told apart from noise. A model that has
learnt something has peaked logits, on which both checks mean something.

Data: the Python standard library's sources (any machine with Python has them), read as bytes;
tokens are byte values (vocabulary 512: 256 bytes + unused ids, a multiple of 64). The last 5 % of
the files are held out (returned by held_out() for the parity check), never trained on.
Deterministic for a given seed and file set, except for GPU non-determinism in the backward pass.

Usage: train_tiny.py --out DIR [--seconds 60] [--seed 0]
"""
import argparse
import glob
import json
import os
import sys
import time

import numpy as np
import torch

SHAPE = dict(vocab_size=512, hidden_size=512, intermediate_size=1536, num_hidden_layers=8,
             num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=4096, rms_norm_eps=1e-6,
             attention_bias=False, hidden_act="silu", tie_word_embeddings=False, pad_token_id=511,
             eos_token_id=510, bos_token_id=None)


def corpus():
    """(train bytes, held-out bytes) from the standard library's .py files, in sorted order."""
    root = os.path.dirname(os.__file__)
    files = sorted(glob.glob(os.path.join(root, "**", "*.py"), recursive=True))
    files = [f for f in files if "site-packages" not in f and "dist-packages" not in f]
    if len(files) < 50:
        sys.exit(f"train_tiny: only {len(files)} .py files under {root}")
    cut = int(len(files) * 0.95)
    read = lambda fs: b"\n".join(open(f, "rb").read() for f in fs)
    return read(files[:cut]), read(files[cut:])


def held_out(n_seqs, seq_len, seed=0):
    """n_seqs windows of seq_len byte tokens from the held-out files (int64 arrays)."""
    _, test = corpus()
    data = np.frombuffer(test, dtype=np.uint8).astype(np.int64)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, len(data) - seq_len - 1, size=n_seqs)
    return [data[s:s + seq_len].copy() for s in starts]


def make_config():
    from transformers import Olmo2Config
    cfg = Olmo2Config(rope_theta=500000.0, **SHAPE)
    rp = getattr(cfg, "rope_parameters", None)
    if isinstance(rp, dict):
        rp["rope_theta"] = 500000.0
        rp.setdefault("rope_type", "default")
    return cfg


def train(out, seconds=60.0, seed=0, batch=32, seq=256, lr=2e-3, log=print):
    from transformers import Olmo2ForCausalLM
    torch.manual_seed(seed)
    train_bytes, _ = corpus()
    data = torch.from_numpy(np.frombuffer(train_bytes, dtype=np.uint8).astype(np.int64)).cuda()
    model = Olmo2ForCausalLM(make_config()).cuda()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1)
    g = torch.Generator(device="cuda").manual_seed(seed)
    t0 = time.perf_counter()
    step = 0
    warm = 100
    while time.perf_counter() - t0 < seconds:
        idx = torch.randint(0, len(data) - seq - 1, (batch,), device="cuda", generator=g)
        x = torch.stack([data[i:i + seq + 1] for i in idx.tolist()])
        for grp in opt.param_groups:
            grp["lr"] = lr * min(1.0, (step + 1) / warm)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(x[:, :-1], labels=x[:, :-1]).loss  # transformers shifts the labels itself
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 200 == 0:
            log(f"   train_tiny step {step} loss {loss.item():.3f} ({time.perf_counter() - t0:.0f} s)")
        step += 1
    model = model.to(torch.bfloat16).eval()
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    info = dict(params=params, steps=step, seconds=time.perf_counter() - t0, final_loss=float(loss.item()),
                tokens_seen=step * batch * seq, shape=SHAPE)
    with open(os.path.join(out, "train_info.json"), "w") as f:
        json.dump(info, f, indent=2)
    log(f"   train_tiny: {params / 1e6:.1f} M parameters, {step} steps, loss {info['final_loss']:.3f} -> {out}")
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    train(a.out, a.seconds, a.seed)


if __name__ == "__main__":
    main()
