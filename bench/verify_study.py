"""The verify study's target on the embedded model: `harness verify-study arith-word,countdown-3
--limit 5 --n 4` (issue 29: "in a few minutes", mechanics only), from a fresh response cache, then
again from the cache.

Prints the wall time and CPU time of both runs (the cached re-run asks the model nothing), the
requests and tokens by selector (forward draws, log-likelihood requests, FOBAR's backward chains),
the tokens per second the model produced, and the load average, since this is a shared machine
where wall time moves with other processes' load. Extra arguments go to the command (e.g.
``--chains 2`` to see what FOBAR's M costs).

    python bench/verify_study.py
    python bench/verify_study.py --limit 2 --n 2      # a quicker look
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HARNESS = Path(sys.executable).parent / "harness"
TARGET = ["verify-study", "arith-word,countdown-3", "--limit", "5", "--n", "4"]


def run(command: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=dict(os.environ, HF_HUB_OFFLINE="1"), capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    extra = sys.argv[1:]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "study"
        command = [str(HARNESS), *TARGET, *extra, "--results-dir", scratch, "--out", str(folder), "--no-progress"]
        print(f"$ harness {' '.join([*TARGET, *extra])}")
        print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        cold, cold_cpu = run(command)
        warm, warm_cpu = run(command)
        manifest = json.loads((folder / "manifest.json").read_text())
        lines = [json.loads(line) for line in (folder / "choices.jsonl").read_text().splitlines()]
    top = str(manifest["curve"][-1])
    print(f"load average at end:   {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'fresh cache':<28} {cold:8.1f} s wall {cold_cpu:8.1f} s CPU")
    print(f"{'every answer cached':<28} {warm:8.1f} s wall {warm_cpu:8.1f} s CPU")
    tokens = manifest["tokens"]
    print(f"requests to the model: {manifest['requests']['sent_to_backend']} (fresh run);"
          f" tokens: {tokens['prompt']:,} prompt + {tokens['completion']:,} generated"
          f" = {tokens['completion'] / cold:.1f} generated tok/s over the fresh run")
    for selector in manifest["selectors"]:
        spent = [line["selectors"][selector][top] for line in lines if selector in line["selectors"]]
        if spent:
            print(f"  {selector:<11} {len(spent)} problems, {sum(c['tokens'] for c in spent) / len(spent):10,.0f} tokens per problem"
                  f" ({sum(c['generated_tokens'] for c in spent) / len(spent):,.0f} generated) at N={top}")
    for skip in manifest["skipped_selectors"]:
        print(f"  skipped {skip['selector']} on {', '.join(skip['tasks'])}")


if __name__ == "__main__":
    main()
