"""Writes chat-fixture.json WITHOUT transformers: the texts OLMo-2 Instruct's chat template renders.

Stand-in for make_chat_fixture.py (which asks transformers' apply_chat_template on the GPU
machine) while no such machine could be had. The texts follow the template as published with
allenai/OLMo-2-1124-13B-Instruct, read rule by rule (its only whitespace is inside string
literals, so transformers' trim_blocks/lstrip_blocks change nothing):

  bos_token, then per message: system -> "<|system|>\\n" + content + "\\n";
  user -> "<|user|>\\n" + content + "\\n"; assistant -> "<|assistant|>\\n" + content + eos_token,
  followed by "\\n" unless it is the last message; after the last message, with
  add_generation_prompt, "<|assistant|>\\n".

No "ids" are written: ChatFixtureTest then derives the expected ids independently (added tokens
split out, the rest through jtokkit's cl100k_base, as transformers' tokenizer does with
add_special_tokens=False) and checks "ids" only when a transformers-made fixture provides them.

  python3 derive_chat_fixture.py ../resources/chat/chat-cases.json ../resources/chat/chat-fixture.json
"""
import json
import sys

BOS = EOS = "<|endoftext|>"


def render(messages, add_generation_prompt):
    out = [BOS]
    for i, m in enumerate(messages):
        last = i == len(messages) - 1
        if m["role"] == "system":
            out.append("<|system|>\n" + m["content"] + "\n")
        elif m["role"] == "user":
            out.append("<|user|>\n" + m["content"] + "\n")
        elif m["role"] == "assistant":
            out.append("<|assistant|>\n" + m["content"] + EOS + ("" if last else "\n"))
        if last and add_generation_prompt:
            out.append("<|assistant|>\n")
    return "".join(out)


def main():
    cases_file, out_file = sys.argv[1], sys.argv[2]
    with open(cases_file, encoding="utf-8") as f:
        cases = json.load(f)
    fixture = {
        "producer": "engine/src/test/python/derive_chat_fixture.py",
        "ids_checked_against_transformers": False,
        "note": "texts derived from the published template's rules; make_chat_fixture.py on a "
        "machine with transformers replaces this file with one that also holds transformers' ids",
        "cases": [
            {
                "name": c["name"],
                "messages": c["messages"],
                "add_generation_prompt": c["add_generation_prompt"],
                "text": render(c["messages"], c["add_generation_prompt"]),
            }
            for c in cases
        ],
    }
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
