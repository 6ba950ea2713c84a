"""Local engines side by side on the `make bench` prompts: the `local` backend on llama.cpp (the
default, bf16 weights; `llamacpp-f32`, `llamacpp-q4_1` for the other weights), on CTranslate2 and on
transformers (fp32), at several batch sizes and thread counts, greedy.

Each (engine, batch, threads) configuration runs in a fresh subprocess (load, one warm-up batch,
then the measured generation) so that no engine inherits another's threads or caches; the order
of configurations rotates from one repeat to the next. Printed: generated tokens/s median and
min-max, the wall time for the whole prompt set and both ratios to transformers at batch 8 (the
old default; engines whose greedy texts differ generate different token counts, so the wall time
for the same prompts is the fairer ratio), tokens per CPU-second of the process (all threads: the
figure that load on the machine disturbs least), and how many greedy texts equal transformers'.

    python bench/local_engines.py                        # every family's bench prompts, 3 repeats
    python bench/local_engines.py --configs ct2:8:2,transformers:8:2 --per-task 2 --repeats 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIGS = "transformers:8:auto,llamacpp:8:auto,ct2:8:auto,llamacpp:8:1,llamacpp-f32:8:auto"
ENGINES = {"ct2": {"engine": "ctranslate2"}, "transformers": {"engine": "transformers"},
           "llamacpp": {"engine": "llamacpp"}, "llamacpp-f32": {"engine": "llamacpp", "weights": "f32"},
           "llamacpp-f16": {"engine": "llamacpp", "weights": "f16"}, "llamacpp-q4_1": {"engine": "llamacpp", "weights": "q4_1"}}


def bench_requests(per_task: int, max_tokens: int, tasks: str) -> list[list]:
    """The generation requests of `make bench`, per task (every family, the first `per_task` samples
    each); the runner hands a backend one task's requests at a time, and so does this bench."""
    sys.path.insert(0, str(ROOT))
    from harness.pipeline.plan import GenerationOverrides, RunSpec, plan_tasks

    spec = RunSpec(tasks=[t for t in tasks.split(",") if t], model="local", limit=per_task,
                   overrides=GenerationOverrides(max_tokens=max_tokens), skip_unavailable=True)
    planned, _ = plan_tasks(spec)
    return [[r for r in item.requests if r.kind == "generate"] for item in planned]


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from harness.backends import BackendOptions, make_backend

    engine, batch, threads = args.child.split(":")
    per_task = [batch for batch in bench_requests(args.per_task, args.max_tokens, args.tasks) if batch]
    backend = make_backend("local", BackendOptions(batch_size=int(batch), threads=None if threads == "auto" else int(threads),
                                                   extra=ENGINES[engine]))
    list(backend.generate(per_task[0][:1]))  # warm-up: first-call allocations, thread pools
    cpu, wall = time.process_time(), time.perf_counter()
    results = [dict(backend.generate(requests)) for requests in per_task]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    backend.close()
    texts = [task[i].texts[0] for task in results for i in range(len(task))]
    tokens = sum(sum(g.completion_tokens) for task in results for g in task.values())
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "tokens": tokens, "requests": len(texts), "texts": texts}))


def measure(config: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", config, "--per-task", str(args.per_task),
               "--max-tokens", str(args.max_tokens), "--tasks", args.tasks]
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout, cwd=ROOT, env=env)
    if done.returncode != 0:
        return {"failed": (done.stderr.strip().splitlines() or ["(no output)"])[-1][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=DEFAULT_CONFIGS,
                        help="engine:batch:threads, comma separated; threads 'auto' = the backend's default")
    parser.add_argument("--tasks", default="all,lr2bench-generated")
    parser.add_argument("--per-task", type=int, default=5, help="samples per task (make bench uses 5)")
    parser.add_argument("--max-tokens", type=int, default=192)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1200)
    parser.add_argument("--out", help="also write every measurement as JSON here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    configs = [c for c in args.configs.split(",") if c]
    load_start = os.getloadavg()[0]
    print(f"{len(configs)} configurations, {args.repeats} repeats, max_tokens {args.max_tokens}, {args.per_task} per task;"
          f" {os.cpu_count()} CPUs, load average {load_start:.1f} at start", flush=True)
    rows = []
    for repeat in range(args.repeats):
        order = configs[repeat % len(configs):] + configs[: repeat % len(configs)]
        for config in order:
            row = {"config": config, "repeat": repeat, **measure(config, args)}
            rows.append(row)
            shown = (f"{row['tokens'] / row['wall_s']:.1f} tok/s ({row['tokens']} tokens, {row['requests']} prompts,"
                     f" {row['wall_s']:.1f} s)" if "wall_s" in row else f"FAILED: {row['failed']}")
            print(f"  repeat {repeat + 1}: {config:<18} {shown}", flush=True)

    ok = [r for r in rows if "wall_s" in r]
    rates = {c: [r["tokens"] / r["wall_s"] for r in ok if r["config"] == c] for c in configs}
    reference = next((c for c in configs if c.startswith("transformers:8")), None)  # the old default: the first
    ref_texts = next((r["texts"] for r in ok if r["config"] == reference), None)
    print(f"\nload average {load_start:.1f} at start, {os.getloadavg()[0]:.1f} at end; median (min-max)\n")
    print("| engine:batch:threads | tok/s | vs the first transformers row | wall s, whole set | wall vs transformers |"
          " tokens per CPU-second | greedy texts equal to transformers' |")
    print("|---|---|---|---|---|---|---|")
    walls = {c: [r["wall_s"] for r in ok if r["config"] == c] for c in configs}
    for config in configs:
        if not rates[config]:
            continue
        values = rates[config]
        ratio = (f"{statistics.median(values) / statistics.median(rates[reference]):.2f}x"
                 if reference and rates.get(reference) else "")
        texts = next(r["texts"] for r in ok if r["config"] == config)
        same = f"{sum(a == b for a, b in zip(texts, ref_texts))}/{len(texts)}" if ref_texts else ""
        per_cpu = statistics.median(r["tokens"] / r["cpu_s"] for r in ok if r["config"] == config)
        wall = statistics.median(walls[config])
        wall_ratio = f"{statistics.median(walls[reference]) / wall:.2f}x" if reference and walls.get(reference) else ""
        print(f"| {config} | {statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f}) | {ratio} |"
              f" {wall:.1f} ({min(walls[config]):.1f}-{max(walls[config]):.1f}) | {wall_ratio} | {per_cpu:.1f} | {same} |")
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
