"""Throughput of the embedded SmolLM2 through vllm: (vLLM's engine) vs local (transformers fp32) vs
llamacpp: (llama.cpp, Q4_1 GGUF) on the same chat prompts, greedy.

Each backend lives in its own worker process, started with the Python that has its engine (vLLM
needs its own environment, .venv-vllm; llama.cpp is wherever llama-cpp-python is installed), loads
once, and then answers "run" commands. The rounds are interleaved (every round runs each backend
once, in a rotating order) so that a burst of load on this shared machine hits all of them alike.
Reported: completion tokens per second (tokens as each backend counts them / wall time of one
generate() call over all prompts, load excluded), median and min-max over the rounds, and the time
to score the same log-likelihood pairs. A backend whose engine is not installed anywhere is skipped
with a line saying so.

    python bench/vllm_vs_local.py [--prompts 16] [--max-tokens 64] [--rounds 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "What is the capital of France?", "Name three primary colours.", "How many legs does a spider have?",
    "Explain photosynthesis in one sentence.", "What is 12 times 12?", "Who wrote Hamlet?",
    "Give a synonym for happy.", "Why is the sky blue?", "What is the boiling point of water?",
    "Name a prime number larger than 50.", "What does DNA stand for?", "Describe a cat in five words.",
    "List four planets.", "What is the opposite of cold?", "How many days are in a leap year?",
    "Translate 'thank you' into French.",
]
ENGINE_MODULE = {"vllm:": "vllm", "local": "torch", "llamacpp:": "llama_cpp"}


# ---- worker: one backend, loaded once ----------------------------------------------------------
def worker(spec: str, prompts: int, max_tokens: int, threads: int, batch_size: int) -> None:
    from harness.backends import BackendOptions, make_backend
    from harness.core.types import GenerationSettings, Request

    generate = [Request(kind="generate", messages=({"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]},),
                        settings=GenerationSettings(max_tokens=max_tokens)) for i in range(prompts)]
    score = [Request(kind="loglikelihood", prompt=f"Q: {q}\nA:", continuations=(" Paris", " I don't know"))
             for q in QUESTIONS[:8]]
    options = {
        "vllm:": BackendOptions(dtype="float32", extra={"max_model_len": 2048}),
        "local": BackendOptions(batch_size=batch_size, device="cpu", threads=threads),
        "llamacpp:": BackendOptions(threads=threads, extra={"n_ctx": 2048}),
    }[spec]
    started = time.perf_counter()
    backend = make_backend(spec, options)
    list(backend.generate(generate[:1]))  # load lazily-built engines and warm up
    list(backend.loglikelihood(score[:1]))
    _reply({"ready": True, "load_s": time.perf_counter() - started})
    for line in sys.stdin:
        if line.strip() != "run":
            break
        started = time.perf_counter()
        results = dict(backend.generate(generate))
        wall = time.perf_counter() - started
        started = time.perf_counter()
        list(backend.loglikelihood(score))
        score_wall = time.perf_counter() - started
        tokens = sum(sum(g.completion_tokens) for g in results.values())
        errors = sum(1 for g in results.values() if g.error)
        _reply({"tokens": tokens, "wall_s": wall, "score_s": score_wall, "errors": errors,
                "pairs": sum(len(r.continuations) for r in score)})
    backend.close()


def _reply(message: dict) -> None:
    print("BENCH " + json.dumps(message), flush=True)


# ---- driver --------------------------------------------------------------------------------------
def python_with(module: str, candidates: list[Path]) -> str | None:
    """The first interpreter among the candidates that can import ``module``."""
    for python in candidates:
        if python == Path(sys.executable):
            if importlib.util.find_spec(module) is not None:
                return str(python)
        elif python.is_file() and subprocess.run(
                [str(python), "-c", f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"],
                capture_output=True, timeout=60).returncode == 0:
            return str(python)
    return None


class Worker:
    def __init__(self, spec: str, python: str, args: argparse.Namespace) -> None:
        self.spec = spec
        command = [python, str(Path(__file__).resolve()), "--worker", spec, "--prompts", str(args.prompts),
                   "--max-tokens", str(args.max_tokens), "--threads", str(args.threads),
                   "--batch-size", str(args.batch_size)]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
               "VLLM_HOST_IP": "127.0.0.1"}
        env.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
        self.log = Path(tempfile.gettempdir()) / f"bench-vllm-vs-local-{spec.strip(':')}-{os.getpid()}.log"
        with open(self.log, "wb") as log:  # the engines' own chatter; named when a worker fails
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                                            stderr=log)
        self.load_s = self._read()["load_s"]

    def _read(self) -> dict:
        assert self.process.stdout is not None
        for line in self.process.stdout:  # engines print their own logs too: keep only ours
            if line.startswith("BENCH "):
                return json.loads(line[6:])
        raise RuntimeError(f"the {self.spec} worker exited (code {self.process.wait()}) before answering; see {self.log}")

    def run(self) -> dict:
        assert self.process.stdin is not None
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timed rounds per backend")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads for local and llamacpp")
    parser.add_argument("--batch-size", type=int, default=8, help="local backend batch size")
    parser.add_argument("--backends", default="vllm:,local,llamacpp:", help="comma-separated, from vllm:, local, llamacpp:")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.prompts, args.max_tokens, args.threads, args.batch_size)
        return

    candidates = [Path(sys.executable), ROOT / ".venv-vllm" / "bin" / "python", ROOT / ".venv" / "bin" / "python"]
    workers: list[Worker] = []
    try:
        for spec in [s.strip() for s in args.backends.split(",") if s.strip()]:
            if spec not in ENGINE_MODULE:
                parser.error(f"unknown backend {spec!r}; choose from {', '.join(ENGINE_MODULE)}")
            python = python_with(ENGINE_MODULE[spec], candidates)
            if python is None:
                how = {"vllm:": "make setup-vllm builds .venv-vllm", "llamacpp:": "pip install llama-cpp-python",
                       "local": "make setup"}[spec]
                print(f"{spec} skipped: none of {', '.join(map(str, candidates))} has {ENGINE_MODULE[spec]} ({how})",
                      file=sys.stderr)
                continue
            print(f"loading {spec} with {python} ...", file=sys.stderr, flush=True)
            workers.append(Worker(spec, python, args))
        rounds: dict[str, list[dict]] = {w.spec: [] for w in workers}
        for round_index in range(args.rounds):
            order = workers[round_index % len(workers):] + workers[: round_index % len(workers)]
            for w in order:
                rounds[w.spec].append(w.run())
    finally:
        for w in workers:
            w.close()

    print(f"\n{args.prompts} chat prompts, greedy, max {args.max_tokens} tokens; {args.rounds} interleaved rounds;"
          f" threads {args.threads} (local, llamacpp); local batch {args.batch_size}; {os.cpu_count()} CPUs;"
          f" load average {os.getloadavg()[0]:.1f}\n")
    pairs = next(iter(rounds.values()))[0]["pairs"] if workers and args.rounds else 0
    print(f"| backend | tokens per round | tokens/s median | tokens/s min-max | scoring s median ({pairs} pairs) | load s |")
    print("|---|---|---|---|---|---|")
    for w in workers:
        speeds = [r["tokens"] / r["wall_s"] for r in rounds[w.spec]]
        scoring = [r["score_s"] for r in rounds[w.spec]]
        tokens = sorted({r["tokens"] for r in rounds[w.spec]})
        errors = sum(r["errors"] for r in rounds[w.spec])
        print(f"| {w.spec} | {'/'.join(map(str, tokens))}{f' ({errors} errors)' if errors else ''} |"
              f" {statistics.median(speeds):.1f} | {min(speeds):.1f}-{max(speeds):.1f} |"
              f" {statistics.median(scoring):.2f} | {w.load_s:.0f} |")


if __name__ == "__main__":
    main()
