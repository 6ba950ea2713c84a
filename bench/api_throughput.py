"""API throughput, side by side: the harness's openai backend, the whole `harness run` command,
lm-eval 0.4.13's local-chat-completions and a bare aiohttp loop, on the same chat requests to the
same fake server.

The fake OpenAI-compatible server (tests/fake_openai_server.py) runs in its own process on
127.0.0.1 with a fixed latency L, so no client can beat the ceiling N / (ceil(N / C) * L) requests
per second for N requests at concurrency C. Every (point, repeat) runs each client in a fresh
subprocess: import, warm up with C requests (connections, imports, lazy set-up: the same for all),
then the measured API phase of N requests, reporting wall time and the process's CPU time over
that phase (all threads). The order of the clients rotates from one repeat to the next, so no
client always runs first or last on a machine whose load drifts. Printed per point: median and
min-max requests/s, CPU milliseconds per request, and each client's ratio to the bare loop
measured in the same run.

The `run` client is `harness run countdown --limit N` end to end in its own process (a fresh
results folder and response cache each time; no warm-up): its API phase is the seconds the run
itself recorded for asking the model (the response cache's history table: from the first claim to
the last answer cached, commits included), so its req/s compare with the other clients'; its CPU
is the whole command's (start-up, sample generation, scoring, run folder and report included), and
its end-to-end wall time is printed beside the table. ``--busy K`` runs K CPU burners (plain
Python loops at nice 0, each ending by itself after --timeout seconds, killed when the bench ends)
for the whole measurement: the busy box of issue 33.

    python bench/api_throughput.py                          # the issue's grid, 2000 requests, 3 repeats
    python bench/api_throughput.py --points 0.1:64 --repeats 5 --clients bare,harness
    python bench/api_throughput.py --profile harness.prof --points 0.1:256 --repeats 1 --clients harness
    python bench/api_throughput.py --points 0.1:256 --clients bare,harness,run [--busy 4]

Only loopback traffic; every loop is bounded by the request count and a timeout per run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ("bare", "harness", "run", "before", "lmeval")
DEFAULT_CLIENTS = ("bare", "harness", "lmeval")
LABELS = {"bare": "bare aiohttp loop", "harness": "harness openai: backend", "run": "`harness run` (API phase)",
          "before": "`harness run` of --before (API phase)",
          "lmeval": "lm-eval local-chat-completions"}
MAX_TOKENS = 16


# ---- the clients, each run in its own process -------------------------------------------------------
def _messages(tag: str, i: int) -> list[dict]:
    return [{"role": "user", "content": f"{tag} question {i}"}]


def run_bare(base_url: str, concurrency: int, count: int) -> tuple[float, float, int]:
    """The least a Python client can do: one aiohttp session, C workers, json in and out."""
    import asyncio

    import aiohttp

    async def phase(session: aiohttp.ClientSession, tag: str, n: int) -> int:
        positions = iter(range(n))
        errors = 0

        async def worker() -> None:
            nonlocal errors
            for i in positions:
                body = {"model": "fake-model", "messages": _messages(tag, i), "max_tokens": MAX_TOKENS,
                        "temperature": 0.0}
                async with session.post(f"{base_url}/chat/completions", json=body) as response:
                    data = await response.json()
                    if response.status != 200 or not data["choices"][0]["message"]["content"]:
                        errors += 1

        await asyncio.gather(*(worker() for _ in range(min(concurrency, n))))
        return errors

    async def main() -> tuple[float, float, int]:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            await phase(session, "warm-up", concurrency)
            cpu, wall = time.process_time(), time.perf_counter()
            errors = await phase(session, "bare", count)
            return time.perf_counter() - wall, time.process_time() - cpu, errors

    return asyncio.run(main())


def run_harness(base_url: str, concurrency: int, count: int, profile: str | None) -> tuple[float, float, int]:
    sys.path.insert(0, str(ROOT))
    from harness.backends import BackendOptions, make_backend
    from harness.core.types import GenerationSettings, Request

    def requests(tag: str, n: int) -> list[Request]:
        return [Request(kind="generate", messages=tuple(_messages(tag, i)), settings=GenerationSettings(max_tokens=MAX_TOKENS))
                for i in range(n)]

    backend = make_backend("openai:fake-model", BackendOptions(base_url=base_url, concurrency=concurrency))
    measured = requests("harness", count)
    try:
        list(backend.generate(requests("warm-up", concurrency)))
        profilers = []
        if profile:  # one profiler in this thread and one in the backend's event-loop thread
            import cProfile
            import threading

            profilers = [cProfile.Profile(), cProfile.Profile()]
            profilers[0].enable()
            started = threading.Event()
            loop = backend._background.loop
            loop.call_soon_threadsafe(lambda: (profilers[1].enable(), started.set()))
            started.wait(10)
        cpu, wall = time.process_time(), time.perf_counter()
        results = list(backend.generate(measured))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if profilers:
            import pstats

            profilers[0].disable()
            stopped = threading.Event()
            loop.call_soon_threadsafe(lambda: (profilers[1].disable(), stopped.set()))
            stopped.wait(10)
            profilers[0].create_stats()
            profilers[1].create_stats()
            stats = pstats.Stats(profilers[0])
            stats.add(profilers[1])
            stats.dump_stats(profile)
    finally:
        backend.close()
    return wall, cpu, sum(1 for _, g in results if g.error or not g.texts[0])


def run_command(base_url: str, concurrency: int, count: int, repo: Path = ROOT) -> dict:
    """`harness run` end to end in its own process: (API phase, CPU of the command, errors) and its wall."""
    import resource
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory(prefix="api-bench-run-") as scratch:
        work = Path(scratch)
        command = [sys.executable, "-m", "harness", "run", "countdown", "--limit", str(count), "--model", "openai:fake-model",
                   "--base-url", base_url, "--api-key-env", "API_BENCH_KEY", "--concurrency", str(concurrency),
                   "--max-tokens", str(MAX_TOKENS), "--results-dir", str(work), "--cache", str(work / "cache.sqlite"),
                   "--out", str(work / "run"), "--no-progress"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=repo,
                              env=dict(os.environ, API_BENCH_KEY="sk-bench", PYTHONPATH=str(repo)))
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"harness run failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
        with sqlite3.connect(work / "cache.sqlite") as db:
            asked, api_s = db.execute("SELECT sum(requests), sum(seconds) FROM history").fetchone()
        lines = [json.loads(line) for line in (work / "run" / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    if asked != count:
        raise SystemExit(f"harness run asked {asked} requests, expected {count}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"wall_s": api_s, "cpu_s": cpu, "errors": sum(1 for line in lines if line.get("error")), "command_s": wall}


def run_lmeval(base_url: str, concurrency: int, count: int) -> tuple[float, float, int]:
    import logging

    logging.disable(logging.WARNING)
    from lm_eval.api.instance import Instance
    from lm_eval.models.openai_completions import LocalChatCompletion

    lm = LocalChatCompletion(base_url=f"{base_url}/chat/completions", model="fake-model",
                             num_concurrent=concurrency, max_retries=3, tokenizer_backend=None)

    def instances(tag: str, n: int) -> list:
        return [Instance("generate_until", {}, (lm.apply_chat_template(_messages(tag, i)),
                                               {"max_gen_toks": MAX_TOKENS, "until": []}), i) for i in range(n)]

    measured = instances("lm-eval", count)
    lm.generate_until(instances("warm-up", concurrency), disable_tqdm=True)
    cpu, wall = time.process_time(), time.perf_counter()
    texts = lm.generate_until(measured, disable_tqdm=True)
    return time.perf_counter() - wall, time.process_time() - cpu, sum(1 for t in texts if not t)


def child(args: argparse.Namespace) -> None:
    if args.client == "bare":
        wall, cpu, errors = run_bare(args.base_url, args.concurrency, args.requests)
    elif args.client == "harness":
        wall, cpu, errors = run_harness(args.base_url, args.concurrency, args.requests, args.profile)
    elif args.client in ("run", "before"):
        repo = Path(args.before) if args.client == "before" else ROOT
        return print(json.dumps(run_command(args.base_url, args.concurrency, args.requests, repo)))
    else:
        wall, cpu, errors = run_lmeval(args.base_url, args.concurrency, args.requests)
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "errors": errors}))


# ---- the parent: server, interleaving, figures -------------------------------------------------------
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


def measure(client: str, base_url: str, concurrency: int, count: int, timeout: float, profile: str | None,
            before: str | None = None) -> dict:
    command = [sys.executable, __file__, "--child", client, "--base-url", base_url,
               "--concurrency", str(concurrency), "--requests", str(count)]
    if profile and client == "harness":
        command += ["--profile", profile]
    if before and client == "before":
        command += ["--before", before]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), TOKENIZERS_PARALLELISM="false"))
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no output)"]
        return {"failed": tail[0][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_burners(count: int, limit_s: float) -> list[subprocess.Popen]:
    """``count`` plain Python busy loops at nice 0, each ending by itself after ``limit_s`` seconds."""
    loop = f"import time\nend = time.monotonic() + {limit_s}\nwhile time.monotonic() < end:\n    sum(range(1000))\n"
    return [subprocess.Popen(["nice", "-n", "0", sys.executable, "-c", loop]) for _ in range(count)]


def stop_burners(burners: list[subprocess.Popen]) -> None:
    for burner in burners:
        burner.kill()
        burner.wait(timeout=10)


def ceiling(count: int, concurrency: int, latency: float) -> float:
    return count / (math.ceil(count / concurrency) * latency)


def spread(values: list[float], fmt: str = "{:.0f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", default="0.1:64,0.1:256,1:256", help="latency_s:concurrency, comma separated")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clients", default=",".join(DEFAULT_CLIENTS), help="of " + ",".join(CLIENTS))
    parser.add_argument("--busy", type=int, default=0, help="CPU burners to run throughout (a busy box)")
    parser.add_argument("--before", help="client 'before': `harness run` from this other checkout (e.g. the code before a"
                                         " change, from `git worktree add`), interleaved with the others")
    parser.add_argument("--timeout", type=float, default=300, help="seconds one client run may take")
    parser.add_argument("--profile", help="write a cProfile of the harness client's API phase here")
    parser.add_argument("--out", help="also write every measurement as JSON here")
    parser.add_argument("--child", choices=CLIENTS, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.client = args.child
        return child(args)

    clients = [c for c in args.clients.split(",") if c]
    points = [(float(p.split(":")[0]), int(p.split(":")[1])) for p in args.points.split(",")]
    load_before = os.getloadavg()
    rows: list[dict] = []
    print(f"{args.requests} chat requests per run, {args.repeats} repeats, clients {', '.join(clients)};"
          f" {os.cpu_count()} CPUs, load average {load_before[0]:.1f} at start, {args.busy} CPU burners", flush=True)
    burners = start_burners(args.busy, 60 * args.repeats * len(clients) * len(points))  # end by themselves too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated bench still stops its burners
    try:
        measure_points(args, clients, points, rows)
    finally:
        stop_burners(burners)
    print_table(args, clients, points, rows, load_before)


def measure_points(args: argparse.Namespace, clients: list[str], points: list[tuple[float, int]], rows: list[dict]) -> None:
    for latency, concurrency in points:
        process, base_url = start_server(latency)
        try:
            for repeat in range(args.repeats):
                order = clients[repeat % len(clients):] + clients[: repeat % len(clients)]
                for client in order:
                    row = {"client": client, "latency_s": latency, "concurrency": concurrency, "repeat": repeat,
                           **measure(client, base_url, concurrency, args.requests, args.timeout, args.profile, args.before)}
                    rows.append(row)
                    shown = (f"{args.requests / row['wall_s']:.0f} req/s, {1000 * row['cpu_s'] / args.requests:.2f}"
                             f" ms CPU/req, {row['errors']} errors" if "wall_s" in row else f"FAILED: {row['failed']}")
                    print(f"  L={latency:g} C={concurrency} repeat {repeat + 1}: {client:<8} {shown}", flush=True)
        finally:
            process.terminate()
            process.wait(timeout=10)


def print_table(args: argparse.Namespace, clients: list[str], points: list[tuple[float, int]], rows: list[dict],
                load_before: tuple[float, float, float]) -> None:
    print(f"\nload average {load_before[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end;"
          f" median (min-max) over {args.repeats} interleaved repeats\n")
    print("| point | ceiling req/s | client | req/s | CPU ms/req | req/s vs bare | CPU vs bare |")
    print("|---|---|---|---|---|---|---|")
    for latency, concurrency in points:
        mine = [r for r in rows if r["latency_s"] == latency and r["concurrency"] == concurrency and "wall_s" in r]
        rate = {c: [args.requests / r["wall_s"] for r in mine if r["client"] == c] for c in clients}
        cpu = {c: [1000 * r["cpu_s"] / args.requests for r in mine if r["client"] == c] for c in clients}
        for client in clients:
            if not rate[client]:
                continue
            versus = versus_cpu = ""
            if rate.get("bare") and client != "bare":
                versus = f"{statistics.median(rate[client]) / statistics.median(rate['bare']):.2f}x"
                versus_cpu = f"{statistics.median(cpu[client]) / statistics.median(cpu['bare']):.2f}x"
            print(f"| L={latency:g} s, C={concurrency} | {ceiling(args.requests, concurrency, latency):.0f} |"
                  f" {LABELS[client]} | {spread(rate[client])} | {spread(cpu[client], '{:.2f}')} | {versus} | {versus_cpu} |")
    for (latency, concurrency), client in ((point, c) for point in points for c in ("run", "before")):
        mine = [r for r in rows if r["latency_s"] == latency and r["concurrency"] == concurrency and "wall_s" in r]
        whole = [r["command_s"] for r in mine if r["client"] == client]
        if whole:
            phase = [r["wall_s"] for r in mine if r["client"] == client]
            bare = [r["wall_s"] for r in mine if r["client"] == "bare"]
            versus = (f", {statistics.median(phase) / statistics.median(bare):.2f}x the bare loop's"
                      f" {statistics.median(bare):.2f} s") if bare else ""
            print(f"{LABELS[client].replace(' (API phase)', '')} at L={latency:g} s, C={concurrency}: {spread(whole, '{:.2f}')}"
                  f" s end to end; API phase {spread(phase, '{:.2f}')} s{versus} (its CPU column: the whole command's)")
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
