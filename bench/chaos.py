"""Chaos run: a long API evaluation on a flaky server, killed with SIGKILL three times and resumed.

The fake OpenAI-compatible server (tests/fake_openai_server.py) runs in this process on 127.0.0.1;
`harness run` runs as a child process against it, 500 Countdown samples at concurrency C, with 20%
of requests hit by mixed faults (every kind in FAULT_KINDS: 429 + Retry-After, 500, 503, resets
before and in the middle of the body, stalls past the timeout, truncated JSON, non-JSON, HTML,
an error inside a 200, empty choices, null content) and 5% of answers carrying text hazards (lone
surrogates, NUL, control characters, invalid UTF-8 bytes). The child is killed with SIGKILL at
three random points (seeded) and the same command is run again each time; the fourth run finishes.
A clean run (no faults, no kills, its own cache) gives the reference metrics.

Prints: samples answered, lost, duplicated, errors, requests sent vs needed, answers paid twice
because of the kills (at most C + COMMIT_EVERY per kill: the requests in flight at the kill and the
answers of the response cache's commit window still open, harness/pipeline/cache.py), and whether
metrics.json / metrics.csv are byte-identical to the clean run's.

Two more cases follow. Echo: a server that echoes the Authorization header into every error message,
HTML title, finish reason and answer, under faults of every kind, with the key given in an
environment variable and in --base-url; every file the runs, `harness report --html` and
`harness leaderboard` write (cache included), their stdout and stderr, and every `harness view` page
are searched for the key. Hostile verdicts: LR2Bench and Countdown runs whose answers are built to
make scorers slow (bench/hostile_verdicts.py: chained powers, slow divisions and parses, hash
collisions, values whose str() never ends, the largest power a Countdown sample's numbers allow, a
megabyte of text); every response is scored again in this process to time each verdict.

    python bench/chaos.py                      # 500 samples, C=16, 3 kills, seed 0
    python bench/chaos.py --samples 200 --concurrency 8 --kills 5 --seed 3

Only loopback traffic; every wait is bounded (a run that takes longer than --max-run-s fails).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROMPT = re.compile(r"numbers \[([0-9, ]+)\], create an equation that equals ([0-9]+)")


def countdown_answer(prompt: str, index: int) -> str:
    """A fake model that solves Countdown when the target is even and bluffs when it is odd."""
    from tasks.countdown.solver import solve_countdown

    match = PROMPT.search(prompt)
    if not match:
        return "no idea"
    nums = tuple(int(n) for n in match.group(1).split(","))
    target = int(match.group(2))
    if target % 2:
        return f"<think>hmm</think> <answer>{' + '.join(map(str, nums))}</answer>"
    return f"<think>search</think> <answer>{solve_countdown(nums, target)}</answer>"


def write_data(folder: Path, count: int) -> Path:
    from harness.core.registry import get_task
    from harness.pipeline.samples import select_samples, write_generated

    task = get_task("countdown-3")
    path = folder / "countdown3.jsonl"
    write_generated(task, select_samples(task, seed=3, limit=count), str(path))
    return path


def command(data: Path, base_url: str, results: Path, out: Path, concurrency: int, timeout_s: float) -> list[str]:
    return [sys.executable, "-m", "harness", "run", "countdown-3", "--data", str(data),
            "--model", "openai:fake-model", "--base-url", base_url, "--api-key-env", "CHAOS_KEY",
            "--concurrency", str(concurrency), "--request-timeout", str(timeout_s), "--max-retries", "6",
            "--backend-option", "retry_base_delay_s=0.02", "--backend-option", "retry_max_delay_s=0.2",
            "--results-dir", str(results), "--out", str(out), "--no-progress"]


def run_to_end(cmd: list[str], env: dict, max_s: float) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=max_s)
    return result


def run_and_kill(cmd: list[str], env: dict, server, kill_at: int, max_s: float) -> str:
    """Start the run, SIGKILL it once the server has answered ``kill_at`` distinct prompts.
    Returns what happened ("killed at N answers" or "finished before the kill point")."""
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + max_s
    try:
        while len(server.stats.prompts_answered) < kill_at:
            if process.poll() is not None:
                return f"finished (rc {process.returncode}) before the kill point {kill_at}"
            if time.monotonic() > deadline:
                raise SystemExit(f"a run took longer than {max_s:g} s; giving up")
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return f"killed at {len(server.stats.prompts_answered)} answered prompts"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        log.close()


def read_lines(run_dir: Path) -> list[dict]:
    path = run_dir / "samples.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.is_file() else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--hazard-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-run-s", type=float, default=300.0)
    args = parser.parse_args()

    from harness.pipeline.cache import COMMIT_EVERY
    from tests.fake_openai_server import FAULT_KINDS, FakeOpenAIServer, FaultMix, hazardous_answer

    rng = random.Random(args.seed)
    answer = hazardous_answer(countdown_answer, rate=args.hazard_rate, seed=args.seed)
    env = {**os.environ, "CHAOS_KEY": "sk-chaos-0123456789", "PYTHONPATH": str(ROOT)}
    timeout_s = 1.0
    with tempfile.TemporaryDirectory(prefix="harness-chaos-") as scratch:
        scratch = Path(scratch)
        data = write_data(scratch, args.samples)

        with FakeOpenAIServer(answer_fn=answer, latency_s=0.005) as clean:
            started = time.perf_counter()
            reference = run_to_end(command(data, clean.base_url, scratch / "clean", scratch / "clean" / "run",
                                           args.concurrency, timeout_s), env, args.max_run_s)
            clean_s = time.perf_counter() - started
        if reference.returncode != 0:
            print(reference.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"the clean run failed (exit {reference.returncode})")

        faults = FaultMix(rate=args.fault_rate, kinds=FAULT_KINDS, max_faults_per_request=2,
                          hang_s=2 * timeout_s, retry_after_s=0.05, seed=args.seed)
        kill_points = sorted(rng.randint(args.samples // 20, args.samples * 19 // 20) for _ in range(args.kills))
        with FakeOpenAIServer(answer_fn=answer, latency_s=0.005, faults=faults) as server:
            cmd = command(data, server.base_url, scratch / "chaos", scratch / "chaos" / "run", args.concurrency, timeout_s)
            started = time.perf_counter()
            events = [run_and_kill(cmd, env, server, point, args.max_run_s) for point in kill_points]
            final = run_to_end(cmd, env, args.max_run_s)
            chaos_s = time.perf_counter() - started
        stats = server.stats

        lines = read_lines(scratch / "chaos" / "run")
        expected_ids = {json.loads(line)["id"] for line in data.read_text().splitlines()}
        ids = [line["id"] for line in lines]
        answered = sum(1 for line in lines if line["error"] is None)
        errors = sum(1 for line in lines if line["error"] is not None)
        lost = len(expected_ids - set(ids))
        duplicated = len(ids) - len(set(ids))
        paid_twice = sum(count - 1 for count in stats.prompts_answered.values() if count > 1)
        identical = {name: (scratch / "chaos" / "run" / name).read_bytes() == (scratch / "clean" / "run" / name).read_bytes()
                     for name in ("metrics.json", "metrics.csv")}

    print(f"chaos run: {args.samples} Countdown samples, concurrency {args.concurrency}, {args.fault_rate:.0%} of requests"
          f" with faults ({len(FAULT_KINDS)} kinds), {args.hazard_rate:.0%} of answers with text hazards, seed {args.seed}")
    for number, event in enumerate(events, start=1):
        print(f"  run {number}: {event}")
    print(f"  run {len(events) + 1}: exit code {final.returncode}" + (f"; stderr: {final.stderr.strip()[-500:]}" if final.returncode else ""))
    print(f"faults injected                      {sum(stats.faults.values())}  ({', '.join(f'{k} {v}' for k, v in sorted(stats.faults.items()))})")
    print(f"samples answered                     {answered} / {args.samples}")
    print(f"samples lost                         {lost}")
    print(f"samples duplicated                   {duplicated}")
    print(f"samples with errors                  {errors}")
    print(f"requests needed                      {args.samples}")
    print(f"requests sent                        {stats.requests_sent}  ({sum(stats.faults.values())} hit a fault and were retried)")
    per_kill = args.concurrency + COMMIT_EVERY  # in flight + one open commit window
    print(f"answers paid twice (kills)           {paid_twice}  (target <= {args.concurrency} in flight + {COMMIT_EVERY} in"
          f" the open commit window = {per_kill} per kill, {per_kill * args.kills} in all)")
    print(f"metrics.json byte-identical to clean {identical['metrics.json']}")
    print(f"metrics.csv byte-identical to clean  {identical['metrics.csv']}")
    print(f"wall time                            clean {clean_s:.1f} s, chaos {chaos_s:.1f} s (all runs)")
    ok = (lost == 0 and duplicated == 0 and errors == 0 and all(identical.values()) and final.returncode == 0
          and paid_twice <= per_kill * args.kills)
    ok = echo_case(args) and ok
    ok = hostile_verdict_case(args) and ok
    print("verdict                              " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


def echo_case(args: argparse.Namespace) -> bool:
    """The key, echoed back by the server everywhere it writes text, must reach no file, no output
    and no page. Returns whether it held."""
    from harness.report.view import RUN_FILES, serve_in_thread
    from tests.fake_openai_server import FAULT_KINDS, FakeOpenAIServer, FaultMix

    key = "sk-chaos-ECHO-0123456789abcdef"
    faults = FaultMix(rate=args.fault_rate * 2, kinds=FAULT_KINDS, max_faults_per_request=1, hang_s=1.0, seed=args.seed)
    outputs, runs = [], 0
    with tempfile.TemporaryDirectory(prefix="harness-chaos-echo-") as scratch:
        root = Path(scratch)
        data = write_data(root, min(args.samples, 200))
        with FakeOpenAIServer(api_key=key, faults=faults, echo_headers=True, latency_s=0.005) as server:
            for name, base_url, env in (
                ("env", server.base_url, {**os.environ, "CHAOS_KEY": key, "PYTHONPATH": str(ROOT)}),
                ("url", server.base_url.replace("http://", f"http://user:{key}@"), {**os.environ, "PYTHONPATH": str(ROOT)}),
            ):
                cmd = command(data, base_url, root / "results", root / "results" / name, args.concurrency, 0.5)
                cmd[cmd.index("--max-retries") + 1] = "0"  # every faulted request ends as a recorded error
                outputs.append(run_to_end(cmd, env, args.max_run_s))
                runs += 1
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        outputs.append(run_to_end([sys.executable, "-m", "harness", "report", str(root / "results" / "env"), "--html"], env, 300))
        outputs.append(run_to_end([sys.executable, "-m", "harness", "leaderboard", str(root / "results"),
                                   "--out", str(root / "results" / "leaderboard.csv")], env, 300))
        secret = key.encode()
        files = [path for path in root.rglob("*") if path.is_file()]
        leaked_files = [path.name for path in files if secret in path.read_bytes()]
        from tests.report_fixtures import page_data  # report.html's sample data is compressed: read it decoded

        leaked_files += [f"{path.parent.name}/report.html (embedded data)" for path in root.rglob("report.html")
                         if key in json.dumps(page_data(path.read_text(encoding="utf-8")))]
        leaked_output = sum(key in out.stdout + out.stderr for out in outputs)
        echoed = sum((root / "results" / name / "samples.jsonl").read_text(encoding="utf-8").count("Bearer ***")
                     for name in ("env", "url"))
        pages = ["/", "/compare?a=env&b=url"] + [f"/runs/{name}/{file}" for name in ("env", "url") for file in RUN_FILES]
        server, thread = serve_in_thread(root / "results")
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            leaked_pages = [page for page in pages if secret in _page(base + page)]
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
    held = not leaked_files and not leaked_output and not leaked_pages and echoed > 0
    print(f"echo: {runs} runs, every fault kind echoing 'Authorization: Bearer <key>' ({echoed} echoes scrubbed in samples.jsonl)")
    print(f"  key found in files                 {len(leaked_files)} of {len(files)} {leaked_files or ''}")
    print(f"  key found in stdout/stderr         {leaked_output} of {len(outputs)} commands")
    print(f"  key found in viewer pages          {len(leaked_pages)} of {len(pages)} {leaked_pages or ''}")
    return held


def _page(url: str) -> bytes:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as reply:
            return reply.read()
    except urllib.error.HTTPError as exc:
        return exc.read()


def hostile_verdict_case(args: argparse.Namespace) -> bool:
    """Runs whose answers are built to make scorers slow: each verdict is timed. Returns whether
    every one took under a second."""
    sys.path.insert(0, str(ROOT / "bench"))
    from hostile_verdicts import MEGABYTE, largest_power, lr2bench_cases

    from harness.core.data import iter_jsonl
    from harness.core.registry import get_task
    from tests.fake_openai_server import FakeOpenAIServer, FaultMix

    payloads = [text for _, text in lr2bench_cases().values()]

    def hostile_answer(prompt: str, index: int) -> str:
        match = PROMPT.search(prompt)
        if match:  # Countdown: the slowest equation its numbers allow, or a megabyte of text
            nums = [int(n) for n in match.group(1).split(",")]
            return f"<answer>{largest_power(nums)}</answer>" if sum(nums) % 3 else "x" * MEGABYTE
        return payloads[sum(map(ord, prompt)) % len(payloads)]

    env = {**os.environ, "CHAOS_KEY": "sk-chaos-0123456789", "PYTHONPATH": str(ROOT)}
    faults = FaultMix(rate=args.fault_rate, max_faults_per_request=1, hang_s=1.0, seed=args.seed)
    timings, counts = [], {}
    with tempfile.TemporaryDirectory(prefix="harness-chaos-hostile-") as scratch, \
            FakeOpenAIServer(answer_fn=hostile_answer, faults=faults) as server:
        root = Path(scratch)
        for task, limit in (("lr2bench-generated", 40), ("countdown", 40)):
            out = root / task
            cmd = [sys.executable, "-m", "harness", "run", task, "--limit", str(limit), "--model", "openai:fake-model",
                   "--base-url", server.base_url, "--api-key-env", "CHAOS_KEY", "--max-retries", "6",
                   "--request-timeout", "2", "--backend-option", "retry_base_delay_s=0.02",
                   "--backend-option", "retry_max_delay_s=0.2", "--results-dir", str(root), "--out", str(out), "--no-progress"]
            started = time.perf_counter()
            result = run_to_end(cmd, env, args.max_run_s)
            wall = time.perf_counter() - started
            scorer = get_task(task)
            lines = [line for _, line in iter_jsonl(out / "samples.jsonl")] if (out / "samples.jsonl").is_file() else []
            for line in lines:
                for response in line.get("responses") or []:
                    start = time.perf_counter()
                    scorer.family.score(scorer.config, line["sample"], response)
                    timings.append(time.perf_counter() - start)
            unparseable = sum(1 for line in lines for answer in line.get("answers") or [] if answer is None)
            counts[task] = (result.returncode, len(lines), unparseable, wall)
    worst = max(timings, default=0.0)
    print(f"hostile verdicts: {len(timings)} responses built to make scorers slow (bench/hostile_verdicts.py cases), "
          f"{args.fault_rate:.0%} faults")
    for task, (code, lines, unparseable, wall) in counts.items():
        print(f"  {task:<20} exit {code}, {lines} samples, {unparseable} unparseable answers, run {wall:.1f} s")
    print(f"  time per verdict                   median {sorted(timings)[len(timings) // 2] if timings else 0:.4f} s,"
          f" slowest {worst:.3f} s (target < 1 s)")
    return worst < 1.0 and all(code == 0 and lines for code, lines, _, _ in counts.values())


if __name__ == "__main__":
    sys.exit(main())
