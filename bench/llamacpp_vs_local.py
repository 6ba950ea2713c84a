"""Local speed: the llamacpp backend vs the local (transformers fp32) backend on the same prompts.

Both run the embedded SmolLM2-135M-Instruct (llama.cpp on its Q4_1 GGUF, transformers on the
fp32 weights converted from it), greedy, on the same chat prompts. Reports generated tokens per
second (completion tokens as each backend counts them / wall time, model load excluded) and the
time to score log-likelihood pairs. llama-cpp-python is an optional extra: without it only the
local row is printed.

    python bench/llamacpp_vs_local.py [--prompts 4] [--max-tokens 48] [--threads 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "What is the capital of France?", "Name three primary colours.", "How many legs does a spider have?",
    "Explain photosynthesis in one sentence.", "What is 12 times 12?", "Who wrote Hamlet?",
    "Give a synonym for happy.", "Why is the sky blue?", "What is the boiling point of water?",
    "Name a prime number larger than 50.", "What does DNA stand for?", "Describe a cat in five words.",
]


def requests(count: int, max_tokens: int):
    from harness.core.types import GenerationSettings, Request

    generate = [Request(kind="generate", messages=({"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]},),
                        settings=GenerationSettings(max_tokens=max_tokens)) for i in range(count)]
    score = [Request(kind="loglikelihood", prompt=f"Q: {q}\nA:", continuations=(" Paris", " I don't know"))
             for q in QUESTIONS[:8]]
    return generate, score


def measure(spec: str, options, generate, score, repeat: int) -> dict:
    """Best of ``repeat`` timings (the machine is shared: the minimum is the least disturbed run)."""
    from harness.backends import make_backend

    started = time.perf_counter()
    backend = make_backend(spec, options)
    list(backend.generate(generate[:1]))  # load (lazy backends) and warm up
    load = time.perf_counter() - started
    walls, score_walls = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        results = dict(backend.generate(generate))
        walls.append(time.perf_counter() - started)
        started = time.perf_counter()
        list(backend.loglikelihood(score))
        score_walls.append(time.perf_counter() - started)
    backend.close()
    tokens = sum(sum(g.completion_tokens) for g in results.values())
    return {"backend": spec, "load_s": load, "tokens": tokens, "wall_s": min(walls), "tok_per_s": tokens / min(walls),
            "pairs": sum(len(r.continuations) for r in score), "score_s": min(score_walls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batch-size", type=int, default=8, help="local backend batch size")
    parser.add_argument("--repeat", type=int, default=2, help="timed repetitions; the best is reported")
    args = parser.parse_args()

    from harness.backends import BackendOptions

    generate, score = requests(args.prompts, args.max_tokens)
    rows = []
    local = BackendOptions(batch_size=args.batch_size, device="cpu", threads=args.threads)
    rows.append(measure("local", local, generate, score, args.repeat))
    local_single = BackendOptions(batch_size=1, device="cpu", threads=args.threads)
    rows.append(measure("local", local_single, generate, score, args.repeat) | {"backend": "local (batch 1)"})
    if importlib.util.find_spec("llama_cpp") is None:
        print("llama-cpp-python is not installed: llamacpp row skipped (pip install llama-cpp-python)", file=sys.stderr)
    else:
        rows.append(measure("llamacpp:", BackendOptions(threads=args.threads, extra={"n_ctx": 2048}),
                            generate, score, args.repeat))

    print(f"\n{args.prompts} chat prompts, greedy, max {args.max_tokens} tokens; {args.threads} threads;"
          f" best of {args.repeat};"
          f" {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}\n")
    print("| backend | generated tokens | wall s | tokens/s | log-likelihood pairs | scoring s | load s |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['backend']} | {row['tokens']} | {row['wall_s']:.1f} | {row['tok_per_s']:.1f} |"
              f" {row['pairs']} | {row['score_s']:.2f} | {row['load_s']:.1f} |")


if __name__ == "__main__":
    main()
