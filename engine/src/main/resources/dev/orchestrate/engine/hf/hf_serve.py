#!/usr/bin/env python3
"""The `hf` backend as a one-sequence model the Java engine drives (`engine generate --prompts
--backend hf`): transformers' Olmo2ForCausalLM behind a line protocol on stdin/stdout.

First line out: {"vocab", "max_positions", "device", "dtype"}. Then one JSON reply per request:
  {"op": "prefill", "ids": [...]}  -> {"next": argmax}   (a new sequence)
  {"op": "decode", "token": t}     -> {"next": argmax}
  {"op": "logits"}                 -> {"logits": base64 of little-endian float32}
  {"op": "reset"}                  -> {}
Errors come back as {"error": "..."}; stdout carries nothing else (warnings go to stderr).
Greedy tokens are the same argmax over the same forward passes as hf_generate.py.
"""
import argparse
import base64
import json
import os
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--snapshot", required=True)
    p.add_argument("--device", default="auto")
    p.add_argument("--dtype", default="float32", help="float32 or bfloat16")
    args = p.parse_args()
    out = sys.stdout
    sys.stdout = sys.stderr  # anything a library prints stays off the protocol
    try:
        import torch
        from transformers import Olmo2ForCausalLM
    except ImportError as e:
        sys.stderr.write(f"error: the hf backend needs torch and transformers in {sys.executable}: {e}\n")
        return 3
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    model = Olmo2ForCausalLM.from_pretrained(args.snapshot, dtype=getattr(torch, args.dtype))
    model = model.to(device).eval()
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"

    def reply(obj):
        out.write(json.dumps(obj) + "\n")
        out.flush()

    reply({
        "vocab": model.config.vocab_size,
        "max_positions": model.config.max_position_embeddings,
        "device": name,
        "dtype": args.dtype,
    })
    cache, last = None, None
    with torch.inference_mode():
        for line in sys.stdin:
            try:
                req = json.loads(line)
                op = req["op"]
                if op == "prefill":
                    o = model(torch.tensor([req["ids"]], device=device), use_cache=True)
                elif op == "decode":
                    if cache is None:
                        raise ValueError("decode before prefill")
                    o = model(torch.tensor([[req["token"]]], device=device),
                              past_key_values=cache, use_cache=True)
                elif op == "logits":
                    if last is None:
                        raise ValueError("no logits yet: prefill first")
                    data = last.float().cpu().numpy().astype("<f4").tobytes()
                    reply({"logits": base64.b64encode(data).decode("ascii")})
                    continue
                elif op == "reset":
                    cache, last = None, None
                    reply({})
                    continue
                else:
                    raise ValueError(f"unknown op {op!r}")
                cache, last = o.past_key_values, o.logits[0, -1]
                reply({"next": int(torch.argmax(last))})
            except Exception as e:  # the Java side turns it into an EngineException
                reply({"error": f"{type(e).__name__}: {e}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
