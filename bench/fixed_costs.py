"""Fixed costs a user pays on every command, measured through the installed `harness` command (the
console script next to this Python, a fresh process each time, bytecode caches warm):

- `harness list` (target: median <= 0.3 s on a quiet machine);
- `harness score` of 100 Countdown predictions, and which heavy modules it imports (target: none of
  scipy, torch, transformers, pandas, datasets, matplotlib, lm_eval);
- `harness export-lmeval --check` (target <= 5 s);
- re-running a finished 1 000-sample run, every answer cached (target <= 2 s, 0 model calls). The
  first run answers from the fake OpenAI-compatible server on 127.0.0.1 at zero latency.

Each figure: median and min-max wall time over the repeats, and the median CPU time of the process
(user + system, children included), which other load on the machine disturbs much less than wall
time. The load average is printed with the figures.

    python bench/fixed_costs.py --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HARNESS = Path(sys.executable).parent / "harness"
HEAVY = ("scipy", "torch", "transformers", "pandas", "datasets", "matplotlib", "lm_eval", "numpy")


def environment() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's Python keeps its bytecode caches
    return env


def timed(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return wall, cpu, done


def figure(name: str, walls: list[float], cpus: list[float], target: str) -> None:
    print(f"| {name} | {statistics.median(walls):.2f} ({min(walls):.2f}-{max(walls):.2f}) |"
          f" {statistics.median(cpus):.2f} | {target} |", flush=True)


def heavy_imports(command: list[str], env: dict[str, str]) -> list[str]:
    done = subprocess.run(command, cwd=ROOT, env=dict(env, PYTHONPROFILEIMPORTTIME="1"), capture_output=True,
                          text=True, timeout=600)
    names = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return sorted(h for h in HEAVY if h in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--samples", type=int, default=1000, help="size of the cached re-run")
    args = parser.parse_args()
    env = environment()
    harness = [str(HARNESS)]
    print(f"{HARNESS}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start\n")
    print("| command | wall s, median (min-max) | CPU s | target |")
    print("|---|---|---|---|")

    timed(harness + ["list"], env)  # bytecode caches
    runs = [timed(harness + ["list"], env) for _ in range(args.repeats)]
    figure("harness list", [r[0] for r in runs], [r[1] for r in runs], "<= 0.3 s median, quiet machine")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        timed(harness + ["generate", "countdown", "--n", "100", "--out", str(work / "s.jsonl")], env)
        with open(work / "p.jsonl", "w") as out:
            for line in (work / "s.jsonl").read_text().splitlines():
                out.write(json.dumps({"id": json.loads(line)["id"], "response": "<answer>1 + 2</answer>"}) + "\n")
        score = harness + ["score", "countdown", "--data", str(work / "s.jsonl"), "--predictions", str(work / "p.jsonl"),
                           "--out", str(work / "scored")]
        runs = [timed(score, env) for _ in range(args.repeats)]
        heavy = heavy_imports(score, env)
        figure(f"harness score, 100 predictions (heavy imports: {', '.join(heavy) or 'none'})",
               [r[0] for r in runs], [r[1] for r in runs], "no heavy imports")

        runs = [timed(harness + ["export-lmeval", "--check"], env) for _ in range(max(1, args.repeats // 2))]
        figure("harness export-lmeval --check", [r[0] for r in runs], [r[1] for r in runs], "<= 5 s")

        sys.path.insert(0, str(ROOT))
        from tests.fake_openai_server import FakeOpenAIServer

        with FakeOpenAIServer(latency_s=0.0) as server:
            command = harness + ["run", "countdown", "--limit", str(args.samples), "--model", "openai:fake-model",
                                 "--base-url", server.base_url, "--concurrency", "64", "--no-progress",
                                 "--results-dir", str(work / "results"), "--out", str(work / "run")]
            first = timed(command, env)
            runs = [timed(command, env) for _ in range(args.repeats)]
        manifest = json.loads((work / "run" / "manifest.json").read_text())
        calls = manifest.get("requests", {}).get("sent_to_backend")
        figure(f"first run, {args.samples} samples (fake server, 0 latency)", [first[0]], [first[1]], "")
        figure(f"cached re-run of it ({calls} model calls)", [r[0] for r in runs], [r[1] for r in runs],
               "<= 2 s, 0 model calls")
    print(f"\nload average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
