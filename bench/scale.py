"""How the post-model chain scales with the number of completions: `harness score` of N Countdown
completions (1 000 problems x N/1 000 responses each, as a pass@k study has them; --problems 0:
N problems of one response each), `harness report
--html` of that run folder and `harness leaderboard` over it, each phase in its own process.

Prints, per N and phase: wall seconds, CPU seconds (user + system), peak RSS (the process's own
maximum resident set, from wait4), bytes written, and the cost per completion (CPU microseconds and
RSS kilobytes). Memory that grows with N shows as a constant RSS per completion; bounded memory
shows as a peak that stays put while N grows.

The completions are deterministic: a ~300-character reasoning trace, then the sample's own solution
(right), an expression off by one number (wrong), a sentence with no answer tag (unparseable) or an
expression that reuses a number, in a fixed cycle. A phase that runs past --timeout or over
--max-rss-gb (an address-space limit, so a 1M run cannot take the box down) is reported as such.

    .venv/bin/python bench/scale.py [--sizes 1000,10000] [--problems 1000] [--keep DIR]
    .venv/bin/python bench/scale.py --api [--sizes 1000,10000] [--latency 0.01] [--concurrency 64]

--api runs the whole chain through the fake OpenAI server (tests/fake_openai_server.py, its own
process; its answers are unparseable for Countdown, so scoring takes its cheapest path): `harness
run` with every answer from the server, the same command again with every answer from the
response cache, `harness score` of the run's responses (as a predictions file) into a second run
folder, report --html and leaderboard of the run folder, then `harness view` over both: the time
of each page a client fetches (index, report, pages of every sample, a filter, one line's page)
and the view process's CPU and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO_ROOT

HARNESS = [sys.executable, "-m", "harness"]
TRACE = ("<think>Let me try combining the largest numbers first, then adjust with the small ones. "
         "If that overshoots I subtract, if it falls short I multiply; each number is used exactly once. "
         "Checking the arithmetic step by step before writing the final expression down.</think>\n")


def family_completions(task: str, sample: dict, count: int, offset: int) -> list[str]:
    """``count`` responses to one sample of ``task`` (--task), cycling through answer kinds: Countdown's
    (below); sudoku: the solution grid, the grid with one cell changed, no grid; lr2bench-generated:
    the gold answer in the subtask's answer block, the block holding no literal, no block at all."""
    if task == "countdown":
        return completions(sample, count, offset)
    if task.startswith("sudoku"):
        grid = sample["solution"]
        wrong = [list(row) for row in grid]
        wrong[0][0] = wrong[0][0] % len(grid) + 1
        def text(g: list) -> str:
            return "\n".join(" ".join(str(cell) for cell in row) for row in g)
        kinds = (text(grid), text(wrong), "I could not complete the grid without breaking a rule.")
    elif task == "lr2bench-generated":
        from tasks.lr2bench.spec import TASK_SPECS

        tag = TASK_SPECS[sample["task"]].answer_tag
        gold = sample["gold"]["answer"] if sample["task"] == "sudoku" else sample["gold"]  # the filled grid
        kinds = (f"<{tag}>{gold}</{tag}>", f"<{tag}>no literal here</{tag}>",
                 "The constraints took too long to resolve; no final answer.")
    else:
        raise SystemExit(f"--task {task}: scale.py makes completions for countdown, sudoku(-NxN) and lr2bench-generated")
    return [TRACE + kinds[(offset + j) % len(kinds)] for j in range(count)]


def completions(sample: dict, count: int, offset: int) -> list[str]:
    """``count`` responses to one Countdown sample: right, wrong, unparseable and a reused number, cycled."""
    nums = sample["nums"]
    wrong = " + ".join(str(n) for n in nums[:-1]) + f" - {nums[-1] + 1}"
    reused = f"{nums[0]} + {nums[0]}"
    kinds = (f"<answer>{sample['solution']}</answer>", f"<answer>{wrong}</answer>",
             "I could not find an expression that reaches the target.", f"<answer>{reused}</answer>")
    return [TRACE + kinds[(offset + j) % len(kinds)] for j in range(count)]


def reap(proc: subprocess.Popen, deadline: float) -> tuple[int, Any]:
    """Wait for ``proc`` until ``deadline`` (perf_counter), killing it then: its wait status and
    rusage (wait4's, that child alone)."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return status, usage
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return status, usage
        time.sleep(0.05)


def run_phase(command: list[str], timeout: float, max_rss_gb: float, cwd: Path) -> dict:
    """One process: its wall, CPU and peak RSS (wait4's rusage of that child alone)."""
    def limit() -> None:
        cap = int(max_rss_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=limit)
    status, usage = reap(proc, start + timeout)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace").strip().splitlines() if proc.stderr else []
    code = os.waitstatus_to_exitcode(status)
    outcome = "ok" if code == 0 else ("timeout" if wall >= timeout else f"exit {code}: {(err or ['?'])[-1][:120]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024, "outcome": outcome}


def folder_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def one_size(n: int, problems: int, work: Path, args: argparse.Namespace) -> list[tuple[str, dict]]:
    problems = min(problems, n) if problems > 0 else n
    per = n // problems
    n = per * problems
    samples_file, predictions = work / "samples.jsonl", work / "predictions.jsonl"
    rows: list[tuple[str, dict]] = []
    generated = run_phase([*HARNESS, "generate", args.task, "--n", str(problems), "--out", str(samples_file)],
                          args.timeout, args.max_rss_gb, REPO_ROOT)
    rows.append(("generate", {**generated, "bytes": folder_bytes(samples_file), "n": n}))
    with samples_file.open(encoding="utf-8") as source, predictions.open("w", encoding="utf-8") as out:
        for index, line in enumerate(source):
            sample = json.loads(line)
            out.write(json.dumps({"id": sample["id"], "responses": family_completions(args.task, sample, per, index)}) + "\n")
    run_dir = work / "run"
    scored = run_phase([*HARNESS, "score", args.task, "--predictions", str(predictions), "--limit", str(problems),
                        "--out", str(run_dir)], args.timeout, args.max_rss_gb, REPO_ROOT)
    rows.append(("score", {**scored, "bytes": folder_bytes(run_dir) if run_dir.exists() else 0, "n": n}))
    if scored["outcome"] != "ok":
        return rows
    reported = run_phase([*HARNESS, "report", str(run_dir), "--html"], args.timeout, args.max_rss_gb, REPO_ROOT)
    report = run_dir / "report.html"
    rows.append(("report --html", {**reported, "bytes": folder_bytes(report) if report.exists() else 0, "n": n}))
    board = work / "leaderboard.csv"
    ranked = run_phase([*HARNESS, "leaderboard", str(run_dir), "--out", str(board)], args.timeout, args.max_rss_gb,
                       REPO_ROOT)
    written = sum(folder_bytes(p) for p in work.glob("leaderboard.*"))
    rows.append(("leaderboard", {**ranked, "bytes": written, "n": n}))
    return rows


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    """tests/fake_openai_server.py in its own process; its base URL."""
    process = subprocess.Popen([sys.executable, str(REPO_ROOT / "tests" / "fake_openai_server.py"), "--latency", str(latency)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO_ROOT)
    base_url = (process.stdout.readline() if process.stdout else "").strip()
    if not base_url.startswith("http://127.0.0.1:"):
        process.kill()
        raise SystemExit(f"fake server did not start (got {base_url!r})")
    return process, base_url


def api_chain(n: int, problems: int, work: Path, args: argparse.Namespace, base_url: str) -> list[tuple[str, dict]]:
    """run (every answer from the fake server) -> the same run again (every answer from the cache) ->
    score (the run's responses as predictions, into a second run folder) -> report --html ->
    leaderboard -> view (harness view over both run folders, pages fetched as a researcher would)."""
    problems = min(problems, n) if problems > 0 else n
    per = n // problems
    n = per * problems
    run_dir = work / "run-api"
    command = [*HARNESS, "run", "countdown", "--limit", str(problems), "--samples", str(per), "--model", "openai:fake-model",
               "--base-url", base_url, "--api-key-env", "SCALE_BENCH_KEY", "--concurrency", str(args.concurrency),
               "--results-dir", str(work), "--cache", str(work / "cache.sqlite"), "--out", str(run_dir), "--no-progress"]
    rows: list[tuple[str, dict]] = []
    for phase in ("run (API)", "cached re-run"):
        result = run_phase(command, args.timeout, args.max_rss_gb, REPO_ROOT)
        rows.append((phase, {**result, "bytes": folder_bytes(work), "n": n}))
        if result["outcome"] != "ok":
            return rows
    predictions, scored_dir = work / "predictions.jsonl", work / "run-score"
    with (run_dir / "samples.jsonl").open(encoding="utf-8") as source, predictions.open("w", encoding="utf-8") as out:
        for line in source:
            sample = json.loads(line)
            out.write(json.dumps({"id": sample["id"], "responses": sample["responses"]}) + "\n")
    scored = run_phase([*HARNESS, "score", "countdown", "--predictions", str(predictions), "--limit", str(problems),
                        "--out", str(scored_dir)], args.timeout, args.max_rss_gb, REPO_ROOT)
    rows.append(("score", {**scored, "bytes": folder_bytes(scored_dir) if scored_dir.exists() else 0, "n": n}))
    predictions.unlink()
    reported = run_phase([*HARNESS, "report", str(run_dir), "--html"], args.timeout, args.max_rss_gb, REPO_ROOT)
    rows.append(("report --html", {**reported, "bytes": folder_bytes(run_dir / "report.html"), "n": n}))
    ranked = run_phase([*HARNESS, "leaderboard", str(run_dir), "--out", str(work / "leaderboard.csv")], args.timeout,
                       args.max_rss_gb, REPO_ROOT)
    rows.append(("leaderboard", {**ranked, "bytes": sum(folder_bytes(p) for p in work.glob("leaderboard.*")), "n": n}))
    viewed = view_phase(work, "run-api", problems, args)
    rows.append(("view", {**viewed, "n": n}))
    return rows


def view_phase(results: Path, run: str, lines: int, args: argparse.Namespace) -> dict:
    """`harness view` over ``results`` in its own process: the index (leaderboard and runs), the run's
    report, and pages of every sample (first, middle, last; a filter; one line's own page), each
    timed as a client sees it; then Ctrl-C, and the process's CPU and peak RSS from wait4."""
    import signal
    import urllib.request

    def limit() -> None:
        cap = int(args.max_rss_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a background shell starts us with Ctrl-C ignored

    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen([*HARNESS, "view", str(results), "--port", "0"], cwd=REPO_ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=limit)
    first = proc.stdout.readline() if proc.stdout else ""
    base = first.split(" at ", 1)[-1].split("/ ", 1)[0].strip().rstrip("/")
    pages = -(-lines // 50)
    paths = [("index (leaderboard + runs)", "/"), ("report page", f"/runs/{run}/"),
             ("samples page 1 (indexes the file)", f"/runs/{run}/samples"),
             (f"samples page {max(1, pages // 2)}", f"/runs/{run}/samples?page={max(1, pages // 2)}"),
             (f"samples page {pages} (last)", f"/runs/{run}/samples?page={pages}"),
             ("samples, outcome filter (parses every line)", f"/runs/{run}/samples?outcome=unparseable"),
             ("samples, the same filter, page 2", f"/runs/{run}/samples?outcome=unparseable&page={min(2, pages)}"),
             (f"line {lines} (its own page)", f"/runs/{run}/samples?line={lines}")]
    outcome, fetched = "ok", 0
    try:
        if not base.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"view did not start (printed {first.strip()!r})")
        for label, path in paths:
            began = time.perf_counter()
            with urllib.request.urlopen(base + path, timeout=args.timeout) as response:
                body = response.read()
            fetched += len(body)
            print(f"{'':>9} {'  view GET':<14} {time.perf_counter() - began:>8.2f} {'':>8} {'':>12} {len(body) / 1e6:>11.2f}"
                  f" {'':>13}  {label}", flush=True)
    except (OSError, RuntimeError) as exc:
        outcome = f"failed: {str(exc)[:120]}"
    finally:
        proc.send_signal(signal.SIGINT)  # harness view stops on Ctrl-C
        _, usage = reap(proc, time.perf_counter() + 30)
    return {"wall": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "outcome": outcome, "bytes": fetched}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="numbers of completions, comma-separated (default: %(default)s;"
                                                               " the issue's table: 1000,10000,100000,1000000)")
    parser.add_argument("--problems", type=int, default=1000, help="Countdown problems; each gets N/problems responses"
                        " (0: N problems of one response each, a line per completion; default: %(default)s)")
    parser.add_argument("--task", default="countdown", help="the family scored (not with --api): countdown, sudoku"
                        " (or sudoku-4x4, ...) or lr2bench-generated (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per phase before it is killed")
    parser.add_argument("--max-rss-gb", type=float, default=12.0, help="address-space cap per phase (GB)")
    parser.add_argument("--keep", help="write the run folders under this folder and keep them")
    parser.add_argument("--api", action="store_true", help="the whole chain through tests/fake_openai_server.py instead of"
                                                            " score: run, a cached re-run, report --html, leaderboard")
    parser.add_argument("--latency", type=float, default=0.01, help="--api: the fake server's latency per request (s)")
    parser.add_argument("--concurrency", type=int, default=64, help="--api: concurrent requests")
    args = parser.parse_args()
    shape = f"{args.problems} problems" if args.problems > 0 else "one problem per completion"
    if args.api and args.task != "countdown":
        parser.error("--api runs Countdown through the fake server; drop --task")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {args.task}, {shape}")
    print(f"{'N':>9} {'phase':<14} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} {'written MB':>11}"
          f" {'CPU us/compl':>13}  outcome")
    peaks: dict[str, list[tuple[int, float]]] = {}
    server, base_url = start_server(args.latency) if args.api else (None, "")
    os.environ["SCALE_BENCH_KEY"] = "sk-scale-bench"  # the fake server takes any key; the backend wants one named
    for n in (int(s) for s in args.sizes.split(",")):
        work = Path(args.keep) / f"n{n}" if args.keep else Path(tempfile.mkdtemp(prefix=f"scale-{n}-"))
        if work.exists() and args.keep:
            shutil.rmtree(work)
        work.mkdir(parents=True, exist_ok=True)
        try:
            chain = api_chain(n, args.problems, work, args, base_url) if args.api else one_size(n, args.problems, work, args)
            for phase, r in chain:
                print(f"{r['n']:>9} {phase:<14} {r['wall']:>8.2f} {r['cpu']:>8.2f} {r['rss_mb']:>12.0f}"
                      f" {r['bytes'] / 1e6:>11.2f} {1e6 * r['cpu'] / r['n']:>13.1f}  {r['outcome']}", flush=True)
                if r["outcome"] == "ok":
                    peaks.setdefault(phase, []).append((r["n"], r["rss_mb"]))
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    if server is not None:
        server.kill()
        server.wait()
    print("\npeak RSS growth per completion between the smallest and the largest N (0 = bounded memory):")
    for phase, points in peaks.items():
        if len(points) > 1 and points[-1][0] > points[0][0]:
            (n0, rss0), (n1, rss1) = points[0], points[-1]
            print(f"  {phase:<14} {1024 * (rss1 - rss0) / (n1 - n0):>8.2f} kB per completion ({n0} -> {n1})")


if __name__ == "__main__":
    main()
