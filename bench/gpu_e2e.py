#!/usr/bin/env python3
"""bench/gpu-e2e: both inference flows through `orchestrate up --profile workstation` on one
trained snapshot, on the GPU machine (issue 14, "Tests and proof"), plus two GPU items of issues 13
and 15. Run through bench/gpu-e2e; every section is time-boxed and a failing one cannot stop the
others. Prints a table at the end; key files go to $OUT (at most 8).

Sections
  facts      GPU, driver, python/torch/transformers, the bundle's java
  train      native/gpu/train_tiny.py for --train-seconds on a smaller shape than its default
             (E2E_SHAPE: 5 M parameters, 10 MB in BF16, so the snapshot comes back through $OUT),
             then a byte-level tokenizer.json (byte b = id b, what train_tiny trained on) and a
             generation_config.json: a snapshot transformers and our engine both load, whose logits
             are peaked, so greedy agreement means something (random weights: flat logits)
  custom     orchestrate up --profile workstation, engine.backend custom on CUDA
  hf         the same with engine.backend hf, bootstrap.python = this python (torch and
             transformers as they are: the machine reaches no package index)
  reference  the same with engine.backend reference (DJL PyTorch, CPU). Its libtorch is not on
             the GPU machine; DJL's JNI (pytorch-jni 2.7.1) is tried against the python's own
             libtorch, and when that fails the section says so and the leg is run on the laptop on
             the returned snapshot: bench/gpu-e2e --reference-only --snapshot DIR --against DIR2
  agree      custom vs hf (and vs reference where it ran): the one prompt's 64 greedy tokens (bytes
             of the completion: one token is one byte with the byte-level tokenizer)
  agree-*    the same token for token on 16 held-out prompts x 64 tokens: `up --prompts` per
             backend, whose results.jsonl holds each prompt's generated ids
  devices    each run.json names the device that ran (custom: cuda, compute capability, machine
             code or PTX JIT; hf: the CUDA device and torch; reference: cpu)
  chat       issue 13: engine/src/test/python/make_chat_fixture.py on an -Instruct snapshot from
             `engine snapshot create --config tiny --instruct` -> $OUT/chat-fixture.json
  prompts    issue 15: a 1,000-prompt file through `orchestrate up --prompts` with the custom CUDA
             backend: every result present, in the file's order; output tokens/s
CPU mode (--cpu, no GPU, no torch): a random tiny snapshot from `engine snapshot create`, custom
on the CPU, reference on the CPU, hf and chat skipped with the reason, --prompts with fewer prompts.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import traceback

PROMPT = "import os\nimport sys\n\n\ndef main(argv=None):\n    parser = argparse.ArgumentParser("
NEW_TOKENS = 64
# train_tiny.SHAPE's layout at a fifth of its size: head_dim 64 like OLMo-2, GQA 2:1.
E2E_SHAPE = dict(hidden_size=256, intermediate_size=768, num_hidden_layers=6, num_attention_heads=4,
                 num_key_value_heads=2)
EOS, PAD = 510, 511  # train_tiny's special ids


def without_metrics(lines):
    """The engine's stdout lines up to its last metrics line (a JSON object of type metrics, in any
    spacing: the hf backend's python writes `{"type": "metrics", ...}`), joined: the completion."""
    def is_metrics(line):
        try:
            return json.loads(line).get("type") == "metrics"
        except (ValueError, AttributeError):
            return False
    at = next((i for i in range(len(lines) - 1, -1, -1) if is_metrics(lines[i])), len(lines))
    return "\n".join(lines[:at])


def byte_to_unicode():
    """GPT-2's byte-level alphabet: the printable character that stands for each byte."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


def write_byte_tokenizer(snapshot):
    """tokenizer.json whose ids are the byte values (0..255), eos 510, pad 511, no merges."""
    alphabet = byte_to_unicode()
    special = lambda i, text: dict(id=i, content=text, single_word=False, lstrip=False, rstrip=False,
                                   normalized=False, special=True)
    byte_level = dict(type="ByteLevel", add_prefix_space=False, trim_offsets=True, use_regex=False)
    tok = dict(version="1.0", truncation=None, padding=None,
               added_tokens=[special(EOS, "<|endoftext|>"), special(PAD, "<|pad|>")],
               normalizer=None, pre_tokenizer=byte_level, post_processor=None, decoder=byte_level,
               model=dict(type="BPE", dropout=None, unk_token=None, continuing_subword_prefix=None,
                          end_of_word_suffix=None, fuse_unk=False, byte_fallback=False,
                          vocab={alphabet[b]: b for b in range(256)}, merges=[]))
    with open(os.path.join(snapshot, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    with open(os.path.join(snapshot, "tokenizer_config.json"), "w") as f:
        json.dump(dict(tokenizer_class="PreTrainedTokenizerFast", eos_token="<|endoftext|>",
                       pad_token="<|pad|>", model_max_length=4096), f, indent=2)
    gen = os.path.join(snapshot, "generation_config.json")
    if not os.path.exists(gen):
        with open(gen, "w") as f:
            json.dump(dict(eos_token_id=EOS, pad_token_id=PAD), f, indent=2)


class Bench:
    def __init__(self, a):
        self.a = a
        self.root = os.path.abspath(a.project)
        self.out = os.path.abspath(a.out)
        self.work = os.path.abspath(a.work)
        os.makedirs(self.out, exist_ok=True)
        os.makedirs(self.work, exist_ok=True)
        self.rows = []            # (section, status, seconds, detail)
        self.runs = {}            # backend -> {"completion", "record", "run_dir"}
        self.snapshot = a.snapshot
        self.keep = []            # files for runs.tar.gz
        self.orchestrate = os.path.join(a.bundle, "bin", "orchestrate")
        self.engine = os.path.join(a.bundle, "bin", "engine")
        self.reference_engine = a.reference_engine or self.engine
        self.env = dict(os.environ, ORCHESTRATE_PROJECT=self.root, PYTHONUNBUFFERED="1",
                        XDG_CACHE_HOME=os.path.join(self.work, "cache"),
                        XDG_CONFIG_HOME=os.path.join(self.work, "config"))

    # ---- plumbing -------------------------------------------------------------------------------
    def log(self, *parts):
        print(*parts, flush=True)

    def section(self, name, fn, skip=None):
        if skip:
            self.rows.append((name, "SKIP", 0.0, skip))
            self.log(f"== {name}: skipped: {skip}")
            return
        self.log(f"== {name}")
        t0 = time.perf_counter()
        try:
            status, detail = fn()
        except Exception as e:  # one section's failure is a row, not the end of the bench
            traceback.print_exc()
            status, detail = "FAIL", f"{type(e).__name__}: {e}"
        dt = time.perf_counter() - t0
        self.rows.append((name, status, dt, detail))
        self.log(f"   {name}: {status} in {dt:.1f} s: {detail}")

    def run(self, cmd, timeout, env=None, **kw):
        self.log("   $ " + " ".join(c if c.replace("/", "").replace("-", "").replace(".", "")
                                     .replace("=", "").replace("_", "").isalnum() else repr(c)
                                     for c in cmd))
        return subprocess.run(cmd, timeout=timeout, env=env or self.env, cwd=self.root,
                              capture_output=True, text=True, **kw)

    def up(self, backend, extra, timeout, engine=None, prompts=None, batch=None):
        """orchestrate up --profile workstation for `backend`; returns (rc, completion, record)."""
        engine = engine or self.engine
        command = (f'[{engine}, generate, --backend, "{{backend}}", --snapshot, "{{snapshot}}", '
                   f'--prompt, "{{prompt}}", --max-new-tokens, "{{maxNewTokens}}"'
                   + (f', --batch, "{batch or self.a.batch}"]' if prompts else "]"))
        cmd = [self.orchestrate, "up", "--profile", "workstation", "--json",
               "--set", f"engine.backend={backend}",
               "--set", f"assets.dir={self.snapshot}",
               # the machine has no apt repository to install build-essential/cmake from
               "--set", "bootstrap.systemPackages=skip",
               "--set", f"engine.command={command}",
               "--max-new-tokens", str(NEW_TOKENS)]
        cmd += ["--prompts", prompts] if prompts else ["--prompt", PROMPT]
        for kv in extra:
            cmd += ["--set", kv]
        p = self.run(cmd, timeout)
        lines, record = [], None
        for raw in p.stdout.splitlines():
            try:
                ev = json.loads(raw)
            except ValueError:
                continue
            if ev.get("event") == "log-line" and ev.get("source") == "engine" and ev.get("stream") == "STDOUT":
                lines.append(ev.get("line", ""))
            elif ev.get("event") == "run-record":
                record = ev.get("record")
        if p.returncode != 0 or record is None:
            self.log("   stderr tail:\n" + "\n".join(p.stderr.splitlines()[-25:]))
        completion = without_metrics(lines)
        run_dir = os.path.join(self.root, "logs", record["runId"]) if record else None
        if run_dir:
            for f in ("run.json", "engine.log", "bootstrap.log"):
                if os.path.exists(os.path.join(run_dir, f)):
                    self.keep.append(os.path.join(run_dir, f))
        return p.returncode, completion, record, run_dir

    # ---- sections -------------------------------------------------------------------------------
    def facts(self):
        out = []
        smi = shutil.which("nvidia-smi")
        if smi:
            q = self.run([smi, "--query-gpu=name,driver_version,compute_cap,memory.total", "--format=csv,noheader"], 30)
            out.append(q.stdout.strip() or q.stderr.strip())
        else:
            out.append("no nvidia-smi")
        out.append(f"python {sys.version.split()[0]} ({sys.executable})")
        try:
            import torch
            import transformers
            out.append(f"torch {torch.__version__} (cuda {torch.version.cuda}, available {torch.cuda.is_available()}), "
                       f"transformers {transformers.__version__}")
        except ImportError as e:
            out.append(f"no torch/transformers here ({e})")
        j = self.run([os.path.join(self.a.bundle, "jre", "bin", "java"), "-version"], 30)
        out.append((j.stderr.strip().splitlines() or ["no java"])[0])
        return "OK", "; ".join(out)

    def train(self):
        snap = os.path.join(self.work, "e2e-snapshot")
        shutil.rmtree(snap, ignore_errors=True)
        sys.path.insert(0, self.a.train_dir)
        import train_tiny
        train_tiny.SHAPE.update(E2E_SHAPE)
        info = train_tiny.train(snap, seconds=self.a.train_seconds, seed=0, log=self.log)
        write_byte_tokenizer(snap)
        for f in glob.glob(os.path.join(snap, "*")):
            self.log(f"   {os.path.basename(f)}: {os.path.getsize(f)} bytes")
        self.snapshot = snap
        with tarfile.open(os.path.join(self.out, "snapshot.tar.gz"), "w:gz") as t:
            t.add(snap, arcname="e2e-snapshot")
        return "OK", (f"{info['params'] / 1e6:.1f} M parameters, {info['steps']} steps in {info['seconds']:.0f} s, "
                      f"final loss {info['final_loss']:.3f}; snapshot -> $OUT/snapshot.tar.gz")

    def random_snapshot(self):
        snap = os.path.join(self.work, "tiny-random")
        if not os.path.isdir(snap):
            p = self.run([self.engine, "snapshot", "create", "--config", "tiny", "--seed", "1", "--dtype", "bf16",
                          "--out", snap], 300)
            if p.returncode != 0:
                return "FAIL", p.stderr.strip()[-300:]
        self.snapshot = snap
        return "OK", f"random tiny snapshot {snap} (CPU mode: nothing to train with; agreement is plumbing only)"

    def leg(self, backend, extra, device_note, engine=None):
        def go():
            rc, completion, record, run_dir = self.up(backend, extra, self.a.leg_timeout, engine=engine)
            self.runs[backend] = dict(rc=rc, completion=completion, record=record, run_dir=run_dir)
            m = (record or {}).get("metrics") or {}
            if rc != 0:
                err = (record or {}).get("error") or {}
                return "FAIL", f"exit {rc}: {err.get('message', '') if isinstance(err, dict) else err}"[:400]
            self.log(f"   completion: {completion!r}")
            return "OK", (f"run {record['runId']}: {m.get('new_tokens')} tokens, device {m.get('device')}, "
                          f"{m.get('decode_tok_s')} tok/s decode, ttft {m.get('ttft_ms')} ms {device_note}")
        return go

    def reference_try(self):
        """DJL PyTorch on the python's own libtorch, for the reference leg on the GPU machine."""
        try:
            import torch
        except ImportError as e:
            return "SKIP", f"no torch here ({e})"
        lib = os.path.join(os.path.dirname(torch.__file__), "lib")
        jni = glob.glob(os.path.join(self.a.bundle, "djl-try", "pytorch-jni-*.jar"))
        if not jni:
            return "SKIP", "no pytorch-jni jar in the bundle"
        env = dict(self.env, PYTORCH_LIBRARY_PATH=lib, PYTORCH_VERSION="2.7.1", PYTORCH_FLAVOR="cpu",
                   ENGINE_EXTRA_CP=jni[0], DJL_CACHE_DIR=os.path.join(self.work, "djl"))
        p = self.run([self.engine, "generate", "--backend", "reference", "--snapshot", self.snapshot,
                      "--prompt", PROMPT, "--max-new-tokens", "4"], 60, env=env)
        err = [l.strip() for l in p.stderr.splitlines() if l.strip() and not l.strip().startswith("at ")]
        said = next((l for l in err if "Exception" in l or "Error" in l or l.startswith("error")),
                    err[-1] if err else "")[:300]
        if p.returncode == 0:
            self.reference_env = {k: env[k] for k in ("PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR",
                                                      "ENGINE_EXTRA_CP", "DJL_CACHE_DIR")}
            return "OK", f"DJL's JNI 2.7.1 runs on torch {torch.__version__}'s libtorch ({lib})"
        return "FAIL", (f"DJL's JNI 2.7.1 does not run on torch {torch.__version__}'s libtorch: {said}; "
                        "the reference leg runs on the laptop on $OUT/snapshot.tar.gz (bench/gpu-e2e --reference-only)")

    def agree_prompts(self, n=16, length=96, seed=3):
        """n windows of `length` ASCII bytes from the last 5 % of this python's stdlib sources (the
        files train_tiny holds out), the same on every run of the same python."""
        import random
        root = os.path.dirname(os.__file__)
        files = sorted(glob.glob(os.path.join(root, "**", "*.py"), recursive=True))
        files = [f for f in files if "site-packages" not in f and "dist-packages" not in f]
        data = b"\n".join(open(f, "rb").read() for f in files[int(len(files) * 0.95):])
        rng, out = random.Random(seed), []
        while len(out) < n:
            at = rng.randrange(0, len(data) - length)
            w = data[at:at + length]
            if all(9 <= b < 127 for b in w):
                out.append(w.decode("ascii"))
        path = os.path.join(self.work, "agree-prompts.jsonl")
        with open(path, "w") as f:
            for i, text in enumerate(out):
                f.write(json.dumps({"id": f"a{i:02d}", "prompt": text, "max_new_tokens": NEW_TOKENS}) + "\n")
        self.keep.append(path)
        return path

    def agree_run(self, backend, extra, engine=None):
        """`up --prompts` of the agreement file on `backend`: its results by id (tokens included)."""
        def go():
            rc, _, record, run_dir = self.up(backend, extra, self.a.leg_timeout, engine=engine,
                                             prompts=self.agree_file, batch=16)
            results = os.path.join(run_dir, "results.jsonl") if run_dir else ""
            if rc != 0 or not os.path.exists(results):
                return "FAIL", f"exit {rc}, no results"
            copy = os.path.join(self.work, f"agree-{backend}.jsonl")
            shutil.copyfile(results, copy)
            self.keep.append(copy)
            self.agree_results[backend] = {r["id"]: r["tokens"] for r in map(json.loads, open(copy))}
            m = (record or {}).get("metrics") or {}
            return "OK", f"{len(self.agree_results[backend])} prompts x {NEW_TOKENS} tokens, device {m.get('device')}"
        return go

    def agree_ids(self):
        """Token-level agreement of each backend's greedy tokens with custom's, prompt by prompt."""
        base = self.agree_results.get("custom")
        if not base:
            return "FAIL", "no custom results"
        out, status = [], "OK"
        for other in ("hf", "reference"):
            got = self.agree_results.get(other)
            if not got:
                out.append(f"{other}: no results")
                continue
            same = total = whole = prefix = 0
            for k, a in base.items():
                b = got.get(k, [])
                total += max(len(a), len(b))
                same += sum(x == y for x, y in zip(a, b))
                p = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                prefix += p
                whole += a == b
            out.append(f"custom vs {other}: {whole}/{len(base)} prompts identical, {same}/{total} tokens equal "
                       f"({100 * same / max(total, 1):.1f} %), mean identical prefix {prefix / len(base):.1f}")
            if other == "hf" and self.snapshot_trained and same < 0.9 * total:
                status = "DIFF"
        return status, "; ".join(out)

    def agree(self):
        out, worst = [], "OK"
        base = self.runs.get("custom")
        if not base or base["rc"] != 0:
            return "FAIL", "no custom completion"
        a = base["completion"].encode("utf-8")
        for other in ("hf", "reference"):
            r = self.runs.get(other)
            if not r or r["rc"] != 0:
                out.append(f"{other}: no run")
                continue
            b = r["completion"].encode("utf-8")
            n = max(len(a), len(b))
            same = sum(x == y for x, y in zip(a, b))
            prefix = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            # byte-level tokenizer: one byte is one token (CPU mode's dolma2 snapshot: characters)
            out.append(f"custom vs {other}: {same}/{n} bytes equal, identical prefix {prefix}")
            if other == "hf" and (prefix < NEW_TOKENS or n != NEW_TOKENS) and self.snapshot_trained:
                worst = "DIFF"
        return worst, "; ".join(out)

    def devices(self):
        out, ok = [], True
        for backend, want in (("custom", "cuda"), ("hf", "cuda"), ("reference", "cpu")):
            r = self.runs.get(backend)
            if not r or not r["record"]:
                out.append(f"{backend}: no run.json")
                ok &= backend == "hf" and self.hf_skipped or backend == "reference" and not self.a.cpu
                continue
            m = r["record"].get("metrics") or {}
            keys = ["device", "compute_capability", "cuda_code", "cuda_binary", "torch", "torch_cuda",
                    "transformers", "python_executable", "dtype"]
            shown = ", ".join(f"{k}={m[k]}" for k in keys if k in m)
            out.append(f"{backend}: {shown}")
            dev = str(m.get("device", ""))
            if self.a.cpu:
                want = "cpu"
            good = ("cpu" in dev.lower()) if want == "cpu" else (dev.lower() not in ("", "cpu"))
            if backend == "custom" and want == "cuda":
                good = good and bool(m.get("compute_capability")) and bool(m.get("cuda_code"))
            ok &= good
        return ("OK" if ok else "FAIL"), "; ".join(out)

    def chat(self):
        snap = os.path.join(self.work, "instruct")
        shutil.rmtree(snap, ignore_errors=True)
        p = self.run([self.engine, "snapshot", "create", "--config", "tiny", "--instruct", "--seed", "1",
                      "--out", snap], 180)
        if p.returncode != 0:
            return "FAIL", "snapshot create --instruct: " + p.stderr.strip()[-300:]
        out = os.path.join(self.out, "chat-fixture.json")
        p = self.run([sys.executable, self.a.chat_script, "--snapshot", snap, "--cases", self.a.chat_cases,
                      "--out", out], 180)
        self.log(p.stdout[-1500:] + p.stderr[-1500:])
        if p.returncode != 0 or not os.path.exists(out):
            return "FAIL", f"make_chat_fixture.py exit {p.returncode}"
        cases = json.load(open(out))
        n = len(cases.get("cases", cases)) if isinstance(cases, (dict, list)) else 0
        return "OK", f"$OUT/chat-fixture.json ({os.path.getsize(out)} bytes, {n} cases)"

    def prompts(self):
        n = self.a.prompt_count
        path = os.path.join(self.work, f"prompts-{n}.jsonl")
        with open(path, "w") as f:
            for i in range(n):
                head = PROMPT.splitlines()[i % 5] or "#"
                f.write(json.dumps({"id": f"p{i:04d}", "prompt": f"# case {i}\n{head}",
                                    "max_new_tokens": 32 + i % 33}) + "\n")
        extra = list(self.custom_extra)
        t0 = time.perf_counter()
        rc, _, record, run_dir = self.up("custom", extra, self.a.prompts_timeout, prompts=path)
        wall = time.perf_counter() - t0
        if not record:
            return "FAIL", f"exit {rc}, no run record"
        results = os.path.join(run_dir, "results.jsonl")
        ids = [json.loads(l)["id"] for l in open(path)]
        got = [json.loads(l) for l in open(results)] if os.path.exists(results) else []
        got_ids = [r["id"] for r in got]
        in_order = got_ids[:len(ids)] == ids
        tokens = sum(r.get("completion_tokens", len(r.get("tokens", []))) for r in got)
        m = record.get("metrics") or {}
        self.keep.append(results)
        engine_s = (m.get("total_ms") or 0) / 1000
        status = "OK" if rc == 0 and in_order and len(got) == len(ids) else "FAIL"
        return status, (f"exit {rc}: {len(got)}/{len(ids)} results, in the file's order: {in_order}; "
                        f"{tokens} tokens, {m.get('tok_s', tokens / engine_s if engine_s else 0)} tok/s in the engine, "
                        f"{tokens / wall:.0f} tok/s over the whole up ({wall:.1f} s); device {m.get('device')}")

    # ---- the whole bench ------------------------------------------------------------------------
    def main(self):
        a = self.a
        cpu = a.cpu
        self.snapshot_trained = False
        self.custom_extra = ["engine.environment.ORCHESTRATE_CUSTOM_DEVICE=cpu"] if cpu else []
        self.reference_env = None
        self.agree_results = {}
        if a.reference_only:
            if not self.snapshot:
                sys.exit("--reference-only needs --snapshot DIR (the one gpu-e2e returned in snapshot.tar.gz)")
            self.snapshot_trained = True
            self.section("reference", self.leg("reference", [], "(on this host)", engine=self.reference_engine))
            if a.against:
                self.against(a.against)
                self.agree_file = os.path.join(a.against, "agree", "agree-prompts.jsonl")
                custom = os.path.join(a.against, "agree", "agree-custom.jsonl")
                if os.path.exists(self.agree_file) and os.path.exists(custom):
                    for backend in ("custom", "hf"):
                        f = os.path.join(a.against, "agree", f"agree-{backend}.jsonl")
                        if os.path.exists(f):
                            self.agree_results[backend] = {r["id"]: r["tokens"] for r in map(json.loads, open(f))}
                    self.section("agree-reference", self.agree_run("reference", [], engine=self.reference_engine))
                    self.section("agree-ids", self.agree_ids)
            return self.finish()
        self.section("facts", self.facts)
        if self.snapshot:
            self.rows.append(("snapshot", "OK", 0.0, f"given: {self.snapshot}"))
            self.snapshot_trained = True
        elif cpu:
            self.section("snapshot", self.random_snapshot)
        else:
            self.section("train", self.train)
            self.snapshot_trained = self.snapshot is not None
            if not self.snapshot:  # the rest still runs, on random weights (agreement: plumbing only)
                self.section("snapshot", self.random_snapshot)
        if not self.snapshot:
            return self.finish()
        self.section("custom", self.leg("custom", self.custom_extra, "(custom: CUDA unless --cpu)"))
        hf_skip = None
        try:
            import torch  # noqa: F401
            import transformers  # noqa: F401
        except ImportError as e:
            hf_skip = f"no torch/transformers in {sys.executable} ({e}): the hf leg needs the GPU machine's python"
        self.hf_skipped = bool(hf_skip)
        self.section("hf", self.leg("hf", [f"bootstrap.python={sys.executable}"], "(hf: bootstrap.python as is)"),
                     skip=hf_skip)
        if cpu:
            self.section("reference", self.leg("reference", [], "(reference: CPU)", engine=self.reference_engine))
        else:
            self.section("reference-djl", self.reference_try)
            if self.reference_env:
                self.section("reference", self.leg("reference", [f"engine.environment.{k}={v}" for k, v in
                                                                 self.reference_env.items()], "(reference: CPU)"))
            else:
                self.rows.append(("reference", "LATER", 0.0, "runs on the laptop: bench/gpu-e2e --reference-only "
                                                             "--snapshot <snapshot.tar.gz unpacked> --against <runs>"))
        self.section("agree", self.agree)
        self.agree_file = self.agree_prompts()
        self.section("agree-custom", self.agree_run("custom", self.custom_extra))
        self.section("agree-hf", self.agree_run("hf", [f"bootstrap.python={sys.executable}"]), skip=hf_skip)
        if cpu or self.reference_env:
            ref_extra = [f"engine.environment.{k}={v}" for k, v in (self.reference_env or {}).items()]
            self.section("agree-reference", self.agree_run("reference", ref_extra, engine=self.reference_engine
                                                           if cpu else None))
        self.section("agree-ids", self.agree_ids)
        self.section("devices", self.devices)
        self.section("chat", self.chat, skip=hf_skip and "no transformers here: make_chat_fixture.py needs it")
        self.section("prompts", self.prompts)
        return self.finish()

    def against(self, runs_dir):
        """Loads the GPU run's custom and hf records (runs.tar.gz unpacked) for the agreement row."""
        for backend in ("custom", "hf"):
            found = None
            for rj in sorted(glob.glob(os.path.join(runs_dir, "**", "run.json"), recursive=True)):
                r = json.load(open(rj))
                if (r.get("metrics") or {}).get("backend") == backend:
                    log = os.path.join(os.path.dirname(rj), "completion.txt")
                    if os.path.exists(log):
                        text = open(log, encoding="utf-8").read()
                        found = dict(rc=r.get("exitCode", 1), completion=without_metrics(text.split("\n")), record=r,
                                     run_dir=os.path.dirname(rj))
            if found:
                self.runs[backend] = found
        self.section("agree", self.agree)

    def finish(self):
        # each leg's completion beside its run.json, so --against can compare on another host
        for backend, r in self.runs.items():
            if r.get("run_dir") and os.path.isdir(r["run_dir"]):
                p = os.path.join(r["run_dir"], "completion.txt")
                with open(p, "w", encoding="utf-8") as f:
                    f.write(r["completion"])
                self.keep.append(p)
        if self.keep:
            with tarfile.open(os.path.join(self.out, "runs.tar.gz"), "w:gz") as t:
                for f in sorted(set(self.keep)):
                    if os.path.exists(f):
                        inside = f.startswith(self.root + os.sep)
                        t.add(f, arcname=os.path.relpath(f, self.root) if inside
                              else os.path.join("agree", os.path.basename(f)))
        width = max(len(r[0]) for r in self.rows) if self.rows else 8
        lines = ["", "bench/gpu-e2e summary" + (" (CPU mode)" if self.a.cpu else ""),
                 f"{'section':<{width}}  status  seconds  detail"]
        for name, status, dt, detail in self.rows:
            lines.append(f"{name:<{width}}  {status:<6}  {dt:7.1f}  {detail}")
        text = "\n".join(lines)
        print(text, flush=True)
        with open(os.path.join(self.out, "summary.txt"), "w") as f:
            f.write(text + "\n")
        return 0 if all(r[1] in ("OK", "SKIP", "LATER") for r in self.rows) else 1


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bundle", required=True, help="the unpacked bundle (jre/, lib/, bin/)")
    p.add_argument("--project", default=os.getcwd(), help="the checkout orchestrate runs in (profiles/, logs/)")
    p.add_argument("--out", default=os.environ.get("OUT") or "bench/out/gpu-e2e")
    p.add_argument("--work", default="/tmp/gpu-e2e")
    p.add_argument("--cpu", action="store_true", help="CPU mode: no GPU, no torch")
    p.add_argument("--snapshot", help="use this snapshot instead of training one")
    p.add_argument("--reference-only", action="store_true", help="only the reference leg (on the laptop)")
    p.add_argument("--against", help="with --reference-only: the GPU run's runs.tar.gz, unpacked")
    p.add_argument("--reference-engine", help="engine launcher for the reference leg (default the bundle's)")
    p.add_argument("--train-seconds", type=float, default=40.0)
    p.add_argument("--train-dir", default=here, help="where train_tiny.py is")
    p.add_argument("--chat-script", default=os.path.join(here, "make_chat_fixture.py"))
    p.add_argument("--chat-cases", default=os.path.join(here, "chat-cases.json"))
    p.add_argument("--prompt-count", type=int, default=1000)
    p.add_argument("--batch", type=int, default=64, help="sequences in flight for the prompt file")
    p.add_argument("--leg-timeout", type=int, default=150)
    p.add_argument("--prompts-timeout", type=int, default=180)
    sys.exit(Bench(p.parse_args()).main())


if __name__ == "__main__":
    main()
