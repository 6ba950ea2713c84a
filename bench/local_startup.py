"""What `local` costs before and around llama.cpp: the start-up of the backend (its tokenizer and chat
template from `tokenizers` + Jinja2, no torch) against the tokenizer transformers would load, the
thread count and weights format it chose on this box, and `harness run` end to end against the
same generation on the bare engine.

Each measurement is a fresh process, repeated (--repeats) with the order alternating:
  tokenizer      light (harness/backends/light_tokenizer.py) vs transformers' AutoTokenizer on the
                 converted folder: seconds to import and load, and whether torch got imported
  backend load   make_backend("local") to a ready engine (weights mapped, threads chosen)
  run            `harness run countdown --limit N` with a fresh response cache (every answer from
                 the model), against "bare": one process that imports only llama_cpp and
                 `tokenizers`, loads the same GGUF and generates the same rendered prompts with the
                 same batch generator, i.e. the generation alone. The ratio is the harness's
                 overhead (start-up, samples, scoring, the run folder); target <= 1.2x.

    .venv/bin/python bench/local_startup.py [--limit 32] [--max-tokens 64] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO_ROOT

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}

LIGHT = """
import sys, time
t = time.perf_counter()
from harness.backends.light_tokenizer import LightTokenizer
tok = LightTokenizer(sys.argv[1])
tok.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True)
print(time.perf_counter() - t, "torch" in sys.modules)
"""

FULL = """
import sys, time
t = time.perf_counter()
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained(sys.argv[1])
tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
print(time.perf_counter() - t, "torch" in sys.modules)
"""

BACKEND = """
import json, sys, time
t = time.perf_counter()
from harness.backends import BackendOptions, make_backend
backend = make_backend("local", BackendOptions())
ready = time.perf_counter() - t
described = backend.describe()
backend.close()
print(json.dumps({"s": ready, "torch": "torch" in sys.modules, "transformers": "transformers" in sys.modules,
                  "threads": described.get("threads_chosen"), "weights": described.get("weights_chosen"),
                  "tokenizer": described.get("tokenizer")}))
"""

RENDER = """
import json, sys
from harness.backends import BackendOptions, make_backend
from harness.core.registry import get_task
from harness.pipeline.samples import select_samples
task = get_task("countdown")
backend = make_backend("local", BackendOptions())
import dataclasses
requests = [task.family.build_request(task.config, s) for s in select_samples(task, seed=0, limit=int(sys.argv[1]))]
prompts = [backend.render(r) for r in requests]
settings = dataclasses.asdict(requests[0].settings)
assert all(dataclasses.asdict(r.settings) == settings for r in requests)
print(json.dumps({"prompts": prompts, "weights": backend.weights, "batch_size": backend.options.batch_size,
                  "settings": settings}))
backend.close()
"""

BARE = """
import json, sys, time
t = time.perf_counter()
job = json.load(open(sys.argv[1]))
from harness.backends.light_tokenizer import LightTokenizer
from harness.backends.llamacpp_batch import LlamaCppBatchGenerator
from harness.backends.local import converted_model_dir, generation_eos_ids, llamacpp_model_file
from harness.core.types import GenerationSettings
folder = converted_model_dir()
tok = LightTokenizer(folder)
engine = LlamaCppBatchGenerator(llamacpp_model_file(job["weights"]), tok, generation_eos_ids(str(folder), tok), job["threads"])
settings = GenerationSettings(**{**job["settings"], "stop": tuple(job["settings"]["stop"]), "max_tokens": job["max_tokens"]})
out = dict(engine.generate(job["prompts"], settings, job["batch_size"]))
engine.close()
print(time.perf_counter() - t, sum(len(text) for g in out.values() for text in g.texts))
"""


def python(code: str, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO_ROOT, env=ENV, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"failed: {done.stderr.strip().splitlines()[-1:]}")
    return time.perf_counter() - start, done.stdout.strip().splitlines()[-1]


def run_harness(limit: int, max_tokens: int, work: Path, threads: int) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "harness", "run", "countdown", "--limit", str(limit), "--max-tokens",
                           str(max_tokens), "--results-dir", str(work), "--cache", str(work / "cache.sqlite"),
                           "--no-progress", *(["--threads", str(threads)] if threads else [])],
                          cwd=REPO_ROOT, env=ENV, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"harness run failed: {done.stderr.strip().splitlines()[-1:]}")
    return time.perf_counter() - start


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=32, help="Countdown prompts for the run comparison")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="the same --threads for both sides of the run comparison"
                                                                " (default 0: each process chooses, as a plain run does)")
    args = parser.parse_args()
    from harness.backends.local import converted_model_dir

    folder = str(converted_model_dir())
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    light, full, light_torch, full_torch = [], [], False, False
    for _ in range(args.repeats):
        for name in ("light", "full") if _ % 2 == 0 else ("full", "light"):
            _, line = python(LIGHT if name == "light" else FULL, folder)
            seconds, torch = line.split()
            (light if name == "light" else full).append(float(seconds))
            if name == "light":
                light_torch = light_torch or torch == "True"
            else:
                full_torch = full_torch or torch == "True"
    print(f"tokenizer + chat template, light:        {spread(light)}  (torch imported: {light_torch})")
    print(f"tokenizer + chat template, transformers: {spread(full)}  (torch imported: {full_torch})")
    loads = [json.loads(python(BACKEND)[1]) for _ in range(args.repeats)]
    print(f"make_backend('local') ready:             {spread([x['s'] for x in loads])}  (torch imported:"
          f" {any(x['torch'] for x in loads)}, transformers: {any(x['transformers'] for x in loads)})")
    print(f"  tokenizer: {loads[-1]['tokenizer']}; weights: {loads[-1]['weights']}; threads: {loads[-1]['threads']}")
    with tempfile.TemporaryDirectory(prefix="local-startup-") as tmp:
        job = json.loads(python(RENDER, str(args.limit))[1])
        job["max_tokens"] = args.max_tokens
        job["threads"] = args.threads or None
        job_file = Path(tmp) / "job.json"
        job_file.write_text(json.dumps(job), encoding="utf-8")
        runs, bares = [], []
        for repeat in range(args.repeats):
            for name in ("run", "bare") if repeat % 2 == 0 else ("bare", "run"):
                if name == "run":
                    work = Path(tmp) / f"run{repeat}"
                    runs.append(run_harness(args.limit, args.max_tokens, work, args.threads))
                else:
                    bares.append(python(BARE, str(job_file))[0])
        print(f"harness run countdown --limit {args.limit} --max-tokens {args.max_tokens}: {spread(runs)}")
        print(f"bare llama.cpp, same prompts and engine:  {spread(bares)}")
        print(f"ratio (median run / median bare): {statistics.median(runs) / statistics.median(bares):.2f}x  (target <= 1.2x)")


if __name__ == "__main__":
    main()
