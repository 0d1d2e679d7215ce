"""Compares `engine score --json` output with a make_fixture.py fixture (same prompt and weights).

usage: python3 compare_scores.py FIXTURE.json SCORE.json
Prints per-run worst relative error of the top-20 logits and arg-max agreement; exit 1 on a
mismatch beyond 1e-4 or a differing arg-max.
"""
import json
import sys


def main():
    fixture = json.load(open(sys.argv[1]))
    score = json.load(open(sys.argv[2]))
    hf, mine = fixture["positions"], score["positions"]
    ids = [p["token"] for p in mine]
    if ids != fixture["prompt_ids"]:
        print("token ids differ:", ids, fixture["prompt_ids"])
        return 1
    worst, argmax_diff = 0.0, []
    for i, (h, m) in enumerate(zip(hf, mine)):
        scale = abs(h["top_values"][0])
        for a, b in zip(h["top_values"], m["top_values"]):
            worst = max(worst, abs(a - b) / scale)
        if h["argmax"] != m["argmax"]:
            argmax_diff.append(i)
    lse = max(abs(h["logsumexp"] - m["logsumexp"]) for h, m in zip(hf, mine))
    print(json.dumps({
        "positions": len(mine),
        "argmax_mismatches": argmax_diff,
        "worst_top20_relative_error": worst,
        "worst_logsumexp_abs_error": lse,
        "hf": f"transformers {fixture['transformers']} torch {fixture['torch']} on {fixture['device']}",
    }))
    return 1 if argmax_diff or worst > 1e-4 else 0


if __name__ == "__main__":
    sys.exit(main())
