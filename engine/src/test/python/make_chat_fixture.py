"""Records what transformers' apply_chat_template makes of the chat cases, as a test fixture.

Runs where transformers is installed (the GPU machine). SNAPSHOT is an -Instruct snapshot written
by `bin/engine snapshot create --config tiny --instruct` (weights not needed: config.json,
tokenizer.json, tokenizer_config.json, special_tokens_map.json). config.json must be beside the
tokenizer files: transformers 5 loads a tokenizer-only directory as GPT2Tokenizer and drops the
cl100k Split pre-tokenizer (allenai/open-instruct#1896); beside a model config it keeps it.

  python3 make_chat_fixture.py --snapshot SNAPSHOT --cases chat-cases.json --out chat-fixture.json

For each case it stores apply_chat_template(messages, tokenize=False, add_generation_prompt=...)
as "text" and the ids of apply_chat_template(..., tokenize=True, ...) as "ids", plus the ids the
tokenizers library itself gives the text (a cross-check of the pre-tokenizer in use).
"""
import argparse
import json
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import tokenizers  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402


def flat_ids(encoded):
    if hasattr(encoded, "keys"):
        encoded = encoded["input_ids"]
    if hasattr(encoded, "tolist"):
        encoded = encoded.tolist()
    if encoded and isinstance(encoded[0], list):
        encoded = encoded[0]
    return [int(i) for i in encoded]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--snapshot", required=True)
    p.add_argument("--cases", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    try:
        tok = AutoTokenizer.from_pretrained(a.snapshot)
        loader = "AutoTokenizer.from_pretrained"
    except Exception as e:  # record why, then load the same files the plain way
        print("AutoTokenizer failed:", repr(e))
        with open(os.path.join(a.snapshot, "tokenizer_config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
        tok = transformers.PreTrainedTokenizerFast(
            tokenizer_file=os.path.join(a.snapshot, "tokenizer.json"),
            bos_token=cfg["bos_token"],
            eos_token=cfg["eos_token"],
            pad_token=cfg["pad_token"],
            unk_token=cfg["unk_token"],
        )
        tok.chat_template = cfg["chat_template"]
        loader = "PreTrainedTokenizerFast(tokenizer_file=...)"
    raw = tokenizers.Tokenizer.from_file(os.path.join(a.snapshot, "tokenizer.json"))
    backend = getattr(tok, "backend_tokenizer", None) or getattr(tok, "_tokenizer", None)
    out = {
        "producer": "engine/src/test/python/make_chat_fixture.py",
        "transformers_version": transformers.__version__,
        "tokenizers_version": tokenizers.__version__,
        "loader": loader,
        "tokenizer_class": type(tok).__name__,
        "pre_tokenizer": repr(backend.pre_tokenizer) if backend is not None else None,
        "bos_token": tok.bos_token,
        "eos_token": tok.eos_token,
        "cases": [],
    }
    with open(a.cases, encoding="utf-8") as f:
        cases = json.load(f)
    for c in cases:
        gen = c["add_generation_prompt"]
        text = tok.apply_chat_template(c["messages"], tokenize=False, add_generation_prompt=gen)
        ids = flat_ids(
            tok.apply_chat_template(c["messages"], tokenize=True, add_generation_prompt=gen)
        )
        out["cases"].append(
            {
                "name": c["name"],
                "messages": c["messages"],
                "add_generation_prompt": gen,
                "text": text,
                "ids": ids,
                "tokenizers_ids": raw.encode(text, add_special_tokens=False).ids,
            }
        )
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(json.dumps({k: v for k, v in out.items() if k != "cases"}))
    for c in out["cases"]:
        print(c["name"], len(c["ids"]), c["ids"] == c["tokenizers_ids"], repr(c["text"][:80]))


if __name__ == "__main__":
    main()
