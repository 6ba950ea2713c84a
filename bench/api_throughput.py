"""API throughput: the openai backend (and lm-eval's local-chat-completions) against the fake server.

The fake OpenAI-compatible server (tests/fake_openai_server.py) runs in its own process on
127.0.0.1 with a fixed latency (default 100 ms), so the physical limit is concurrency / latency
requests per second; this script reports requests/s and the share of that limit reached, for our
backend at concurrency 1, 8, 64, 256 and for lm-eval 0.4.13's local-chat-completions model at
num_concurrent 64 (and 256), on the same chat requests.

    python bench/api_throughput.py                  # 2000 requests at C>=64, ~10 s per point below
    python bench/api_throughput.py --requests 2000 --full   # 2000 requests at every concurrency

Only loopback traffic; every loop is bounded by the request count. Wall times include starting the
worker pool but not importing or constructing the client (lm-eval: its API phase only).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_openai_server.py"), "--latency", str(latency)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
    )
    base_url = process.stdout.readline().strip()
    if not base_url.startswith("http://127.0.0.1:"):
        process.kill()
        raise SystemExit(f"fake server did not start (got {base_url!r})")
    return process, base_url


def chat_requests(count: int, tag: str):
    from harness.core.types import GenerationSettings, Request

    return [Request(kind="generate", messages=({"role": "user", "content": f"{tag} question {i}"},),
                    settings=GenerationSettings(max_tokens=16)) for i in range(count)]


def ours(base_url: str, concurrency: int, count: int) -> dict:
    from harness.backends import BackendOptions, make_backend

    backend = make_backend("openai:fake-model", BackendOptions(base_url=base_url, concurrency=concurrency))
    requests = chat_requests(count, f"ours-c{concurrency}")
    try:
        list(backend.generate(chat_requests(min(concurrency, 32), "warm-up")))  # connections, imports
        started = time.perf_counter()
        results = list(backend.generate(requests))
        wall = time.perf_counter() - started
    finally:
        backend.close()
    errors = sum(1 for _, g in results if g.error)
    return {"client": "harness openai backend", "concurrency": concurrency, "requests": count,
            "wall_s": wall, "errors": errors}


def lm_eval_chat(base_url: str, concurrency: int, count: int) -> dict:
    import logging

    logging.getLogger("lm_eval").setLevel(logging.ERROR)
    from lm_eval.api.instance import Instance
    from lm_eval.models.openai_completions import LocalChatCompletion

    lm = LocalChatCompletion(base_url=f"{base_url}/chat/completions", model="fake-model",
                             num_concurrent=concurrency, max_retries=3, tokenizer_backend=None)
    instances = []
    for i in range(count):
        context = lm.apply_chat_template([{"role": "user", "content": f"lm-eval c{concurrency} question {i}"}])
        instances.append(Instance("generate_until", {}, (context, {"max_gen_toks": 16, "until": []}), i))
    started = time.perf_counter()
    texts = lm.generate_until(instances, disable_tqdm=True)
    wall = time.perf_counter() - started
    return {"client": "lm-eval local-chat-completions", "concurrency": concurrency, "requests": count,
            "wall_s": wall, "errors": sum(1 for t in texts if not t)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", default="1,8,64,256")
    parser.add_argument("--lm-eval-concurrency", default="64,256")
    parser.add_argument("--full", action="store_true", help="all points with --requests (C=1 takes 200 s)")
    parser.add_argument("--out", help="also write the rows as JSON here")
    args = parser.parse_args()

    process, base_url = start_server(args.latency)
    rows = []
    try:
        for concurrency in [int(c) for c in args.concurrency.split(",")]:
            count = args.requests if args.full else min(args.requests, max(50, int(concurrency * 10 / args.latency)))
            rows.append(ours(base_url, concurrency, count))
        for concurrency in [int(c) for c in args.lm_eval_concurrency.split(",") if c]:
            try:
                rows.append(lm_eval_chat(base_url, concurrency, args.requests))
            except ModuleNotFoundError as exc:  # lm-eval's API models need its [api] extra (tenacity)
                print(f"lm-eval comparison skipped: {exc}", file=sys.stderr)
                break
    finally:
        process.terminate()
        process.wait(timeout=10)

    print(f"\nfake server latency {args.latency * 1000:.0f} ms; {os.cpu_count()} CPUs;"
          f" load average {os.getloadavg()[0]:.1f}; python {platform.python_version()}\n")
    print("| client | concurrency | requests | req/s | limit req/s | share of limit | errors |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        row["req_per_s"] = row["requests"] / row["wall_s"]
        row["limit_req_per_s"] = row["concurrency"] / args.latency
        row["share_of_limit"] = row["req_per_s"] / row["limit_req_per_s"]
        print(f"| {row['client']} | {row['concurrency']} | {row['requests']} | {row['req_per_s']:.0f} |"
              f" {row['limit_req_per_s']:.0f} | {row['share_of_limit']:.0%} | {row['errors']} |")
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
