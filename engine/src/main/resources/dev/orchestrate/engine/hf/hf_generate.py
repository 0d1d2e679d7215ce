#!/usr/bin/env python3
"""The engine's `hf` backend: OLMo-2 through transformers' Olmo2ForCausalLM.

Prints the completion as it is generated (whole UTF-8 characters only), then one JSON metrics
line with the same keys as the Java engine. Greedy output is the ground truth the other backends
are compared with; sampled output uses torch's generator, so it matches the Java sampler only in
distribution, not token for token.
"""
import argparse
import hashlib
import json
import os
import platform
import sys
import time


def fingerprint(snapshot):
    """Same algorithm as the Java SnapshotFingerprint: JSON files whole, weights sampled."""
    sha = hashlib.sha256()
    stride, sample = 256 << 20, 64 << 10
    for name in sorted(os.listdir(snapshot)):
        path = os.path.join(snapshot, name)
        if not os.path.isfile(path):
            continue
        if name.endswith(".safetensors"):
            sha.update(name.encode())
            size = os.path.getsize(path)
            sha.update(size.to_bytes(8, "big", signed=True))
            with open(path, "rb") as f:
                at = 0
                while at < size:
                    f.seek(at)
                    sha.update(f.read(sample))
                    at += stride
        elif name.endswith(".json"):
            sha.update(name.encode())
            with open(path, "rb") as f:
                sha.update(f.read())
    return sha.hexdigest()[:16]


def choose(logits, args, generator, torch):
    if args.temperature == 0 or args.top_k == 1:
        return int(torch.argmax(logits))
    scores = logits.float() / args.temperature
    if args.top_k > 0:
        kth = torch.topk(scores, args.top_k).values[-1]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    if args.top_p < 1.0:
        sorted_scores, order = torch.sort(scores, descending=True)
        cumulative = torch.softmax(sorted_scores, -1).cumsum(-1)
        remove = cumulative - torch.softmax(sorted_scores, -1) >= args.top_p
        sorted_scores[remove] = float("-inf")
        scores = torch.full_like(scores, float("-inf")).scatter(0, order, sorted_scores)
    probs = torch.softmax(scores, -1)
    return int(torch.multinomial(probs, 1, generator=generator))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--snapshot", required=True)
    p.add_argument("--prompt", required=True)
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--temperature", type=float, default=0.0)
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--top-k", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--dtype", default="float32", help="float32 or bfloat16")
    p.add_argument("--ids-out", help="write the generated ids as JSON to this file")
    args = p.parse_args()

    start = time.perf_counter()
    try:
        import torch
        import transformers
        from transformers import Olmo2ForCausalLM, PreTrainedTokenizerFast
    except ImportError as e:
        sys.stderr.write(f"error: the hf backend needs torch and transformers in {sys.executable}: {e}\n"
                         "hint: run it where they are installed, or set ENGINE_PYTHON to such a python\n")
        return 3

    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = getattr(torch, args.dtype)
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=os.path.join(args.snapshot, "tokenizer.json"))
    model = Olmo2ForCausalLM.from_pretrained(args.snapshot, dtype=dtype).to(device).eval()
    with open(os.path.join(args.snapshot, "generation_config.json")) as f:
        eos = json.load(f).get("eos_token_id", 100257)
    stops = set(eos if isinstance(eos, list) else [eos])

    ids = tokenizer.encode(args.prompt, add_special_tokens=False)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    generated, pending, stop = [], [], "max_tokens"
    load_done = time.perf_counter()

    def emit(force=False):
        text = tokenizer.decode(pending, skip_special_tokens=False)
        if text.endswith("\ufffd") and len(pending) < 8 and not force:
            return
        pending.clear()
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()

    with torch.inference_mode():
        t0 = time.perf_counter()
        out = model(torch.tensor([ids], device=device), use_cache=True)
        cache = out.past_key_values
        nxt = choose(out.logits[0, -1], args, generator, torch)
        if device == "cuda":
            torch.cuda.synchronize()
        first = time.perf_counter()
        while True:
            generated.append(nxt)
            if nxt in stops:
                stop = "eos"
                break
            pending.append(nxt)
            emit()
            if len(generated) == args.max_new_tokens:
                break
            out = model(torch.tensor([[nxt]], device=device), past_key_values=cache, use_cache=True)
            cache = out.past_key_values
            nxt = choose(out.logits[0, -1], args, generator, torch)
        if pending:
            emit(force=True)
        if device == "cuda":
            torch.cuda.synchronize()
        end = time.perf_counter()

    decode_s = end - first
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    metrics = {
        "type": "metrics",
        "prompt_tokens": len(ids),
        "new_tokens": len(generated),
        "ttft_ms": round((first - t0) * 1000, 3),
        "decode_tok_s": round((len(generated) - 1) / decode_s, 3) if len(generated) > 1 and decode_s > 0 else 0.0,
        "total_ms": round((end - t0) * 1000, 3),
        "stop_reason": stop,
        "backend": "hf",
        "device": name,
        "dtype": args.dtype,
        "snapshot_hash": fingerprint(args.snapshot),
        "load_ms": round((load_done - start) * 1000, 3),
        # what ran it: the env's python (orchestrate passes ENGINE_PYTHON), torch's build, transformers
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda or "",
        "transformers": transformers.__version__,
    }
    sys.stdout.write("\n" + json.dumps(metrics, separators=(",", ":")) + "\n")
    if args.ids_out:
        with open(args.ids_out, "w") as f:
            json.dump({"prompt_ids": ids, "generated_ids": generated}, f)


if __name__ == "__main__":
    sys.exit(main())
