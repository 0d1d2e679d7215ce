#!/usr/bin/env python3
"""Ours vs transformers' batched generate, per batch size, from two batch_bench.py result files: the
one of our pass and the one of transformers' pass (bench/engine-gpu times transformers last, in a pass
of its own, so neither table has both). Needs no torch: runs wherever the JSON files are.

For each batch size in both files: our median tok/s (and the range of the timed rounds, where the file
has them), transformers' median (and range), the ratio of the medians, and the lowest ratio the rounds
allow (our slowest round over transformers' fastest), with the roofline of the point.

Usage: batch_compare.py OURS_DIR_OR_JSON HF_DIR_OR_JSON [--out FILE]
"""
import argparse
import json
import os
import sys


def load(path):
    if os.path.isdir(path):
        path = os.path.join(path, "batch_results.json")
    with open(path) as f:
        return json.load(f)


def spread(point):
    """'(min-max)' of a point's timed rounds, or '' for a file without rounds."""
    r = point.get("rounds_tok_s") or []
    return f" ({min(r):.0f}-{max(r):.0f})" if len(r) > 1 else ""


def compare(ours_results, hf_results):
    """The table's lines; raises ValueError when the files share no batch size with both numbers."""
    ours = {r["batch"]: r for r in ours_results.get("batched", []) if "ours" in r}
    hf = {r["batch"]: r for r in hf_results.get("batched", []) if "tok_s" in r.get("hf_static", {})}
    both = sorted(set(ours) & set(hf))
    if not both:
        raise ValueError(f"no batch size with both numbers (ours: {sorted(ours)}, transformers: {sorted(hf)})")
    lines = [f"ours vs transformers (static cache, compiled), {ours_results.get('device', '?')}",
             "  seqs | ours tok/s (rounds)  | transformers tok/s (rounds) | ours/transformers | lowest | ours/roofline"]
    for b in both:
        o, h = ours[b]["ours"], hf[b]["hf_static"]
        lowest = min(o.get("rounds_tok_s") or [o["tok_s"]]) / max(h.get("rounds_tok_s") or [h["tok_s"]])
        roof = ours[b].get("roofline", {}).get("tok_s")
        lines.append(f"  {b:4d} | {o['tok_s']:7.0f}{spread(o):14s} | {h['tok_s']:7.0f}{spread(h):20s} | "
                     f"{o['tok_s'] / h['tok_s']:16.2f}x | {lowest:5.2f}x | "
                     + (f"{o['decode_tok_s'] / roof:.1%} (decode-only)" if roof else "-"))
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ours", help="our pass's batch_results.json (or its folder)")
    ap.add_argument("hf", help="transformers' pass's batch_results.json (or its folder)")
    ap.add_argument("--out", help="also write the table here")
    a = ap.parse_args(argv)
    try:
        lines = compare(load(a.ours), load(a.hf))
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as e:
        print(f"batch_compare: {e}", file=sys.stderr)
        return 2
    text = "\n".join(lines)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
