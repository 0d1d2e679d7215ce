"""Records Hugging Face transformers' teacher-forced OLMo-2 logits as a compact parity fixture.

Runs where torch and transformers are installed (the GPU machine). For every position of a fixed
prompt it stores the arg-max, the top-20 ids and values, the log-sum-exp and checksums of the
whole row (sum, sum of |l|, sum of squares, a weighted sum), all in FP32 compute, float64 stats.

  # a snapshot the Java engine wrote (carried to the machine):
  python3 make_fixture.py --snapshot DIR --preset tiny --seed 1 --out tiny-seed1.json
  # a snapshot too big to carry, rebuilt bit-exactly from the seed (seeded_olmo2.py):
  python3 make_fixture.py --snapshot TOKENIZER_DIR --preset olmo2-1b --seed 1 --from-seed \
      --device cuda --save-to /tmp/olmo2-1b --out olmo2-1b-seed1.json
"""
import argparse
import json
import os
import shutil
import sys
import time

import seeded_olmo2 as seeded

PROMPT = (
    "The quick brown fox 🦊 jumps over the lazy dog. Grüße aus Köln, 你好世界, Привет!\n"
    "def square(x):\n    return x ** 2  # OLMo-2 parity\n"
)
TOP = 20


def row_stats(torch, row):
    row = row.double()
    n = row.shape[0]
    i = torch.arange(n, dtype=torch.int64, device=row.device)
    w = ((i * 2654435761) % (1 << 32)).double() / float(1 << 32) - 0.5
    top = torch.topk(row, TOP)
    return {
        "argmax": int(torch.argmax(row)),
        "top_ids": [int(x) for x in top.indices],
        "top_values": [float(x) for x in top.values],
        "logsumexp": float(torch.logsumexp(row, 0)),
        "sum": float(row.sum()),
        "l1": float(row.abs().sum()),
        "sumsq": float((row * row).sum()),
        "wsum": float((row * w).sum()),
    }


def seeded_state(torch, preset, seed, device, dtype):
    state = {}
    for name, shape, center, std in seeded.tensor_specs(preset):
        count = 1
        for d in shape:
            count *= d
        v = seeded.values(torch, seeded.key(seed, name), count, center, std, device=device)
        if dtype == "bfloat16":
            v = v.to(torch.bfloat16)
        state[name] = v.reshape(shape).float()
    return state


def check_port(torch, snapshot, preset, seed, device):
    """The torch port must reproduce the Java-written bytes exactly."""
    from safetensors.torch import load_file

    stored = load_file(os.path.join(snapshot, "model.safetensors"))
    dtype = "bfloat16" if next(iter(stored.values())).dtype == torch.bfloat16 else "float32"
    mine = seeded_state(torch, preset, seed, device, dtype)
    bad = [n for n, t in stored.items() if not torch.equal(t.float().to(device), mine[n])]
    return {"tensors": len(stored), "mismatches": bad}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--snapshot", required=True, help="snapshot (or, with --from-seed, tokenizer) dir")
    p.add_argument("--preset", required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--from-seed", action="store_true")
    p.add_argument("--snapshot-dtype", default="bfloat16")
    p.add_argument("--device", default="cpu")
    p.add_argument("--save-to", help="with --from-seed: also save the model as a snapshot here")
    p.add_argument("--out", required=True)
    args = p.parse_args()

    import torch
    import transformers
    from transformers import Olmo2Config, Olmo2ForCausalLM, PreTrainedTokenizerFast

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    started = time.time()
    result = {
        "preset": args.preset,
        "seed": args.seed,
        "prompt": PROMPT,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
        "compute_dtype": "float32",
        "attn_implementation": "eager",
    }
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=os.path.join(args.snapshot, "tokenizer.json"))
    ids = tokenizer.encode(PROMPT, add_special_tokens=False)
    result["prompt_ids"] = ids

    if args.from_seed:
        import tempfile

        cfg_dir = tempfile.mkdtemp()
        with open(os.path.join(cfg_dir, "config.json"), "w") as f:
            json.dump(seeded.config_json(args.preset, args.snapshot_dtype), f)
        config = Olmo2Config.from_pretrained(cfg_dir)
        config._attn_implementation = "eager"
        with torch.device(args.device):
            model = Olmo2ForCausalLM(config)
        state = seeded_state(torch, args.preset, args.seed, args.device, args.snapshot_dtype)
        missing, unexpected = model.load_state_dict(state, strict=False)
        result["load"] = {"missing": list(missing), "unexpected": list(unexpected)}
        del state
        result["snapshot_dtype"] = args.snapshot_dtype
    else:
        result["port_check"] = check_port(torch, args.snapshot, args.preset, args.seed, args.device)
        model = Olmo2ForCausalLM.from_pretrained(
            args.snapshot, dtype=torch.float32, attn_implementation="eager")
        with open(os.path.join(args.snapshot, "config.json")) as f:
            result["snapshot_dtype"] = json.load(f).get("torch_dtype")
    model = model.to(args.device).float().eval()
    cfg = model.config
    rope = getattr(cfg, "rope_parameters", None) or {}
    result["config_seen"] = {
        "rope_theta": rope.get("rope_theta", getattr(cfg, "rope_theta", None)),
        "rms_norm_eps": cfg.rms_norm_eps,
        "attn_implementation": cfg._attn_implementation,
        "layers": cfg.num_hidden_layers,
        "hidden": cfg.hidden_size,
        "kv_heads": cfg.num_key_value_heads,
    }

    with torch.inference_mode():
        x = torch.tensor([ids], device=args.device)
        logits = model(x).logits[0].float()
        result["positions"] = [row_stats(torch, logits[i]) for i in range(len(ids))]
        # HF's own KV-cache path against its full pass, for scale.
        out = model(x[:, :1], use_cache=True)
        cache, worst = out.past_key_values, float((out.logits[0, -1] - logits[0]).abs().max())
        for i in range(1, len(ids)):
            out = model(x[:, i:i + 1], past_key_values=cache, use_cache=True)
            cache = out.past_key_values
            worst = max(worst, float((out.logits[0, -1] - logits[i]).abs().max()))
        result["hf_incremental_max_abs_diff"] = worst

    if args.save_to:
        model.to(torch.bfloat16 if args.snapshot_dtype == "bfloat16" else torch.float32)
        model.save_pretrained(args.save_to)
        for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                  "generation_config.json"):
            shutil.copy(os.path.join(args.snapshot, f), os.path.join(args.save_to, f))
    result["seconds"] = round(time.time() - started, 1)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps({k: v for k, v in result.items() if k not in ("positions", "prompt_ids")}))


if __name__ == "__main__":
    sys.exit(main())
