"""`harness view` under load: latency of normal requests while slow or half-open clients hold
connections, and what clients get when a stale report is rebuilt while several ask for it.

The server runs in this process (harness.report.view.serve_in_thread) over a results folder of real
run folders (tests/report_fixtures.py). Scenarios:
  idle          normal requests alone (a run's metrics.json and the index page): the baseline
  slow clients  the same while --slow clients each send a request one header byte per second and
                never finish it (slowloris), and as many connect and send nothing
  half-open     the same while --half-open connections are open and silent
  stale report  --stale clients ask at once for a report whose run folder just changed
Prints median / 95th percentile / worst latency per scenario, requests that failed or timed out,
and for the stale report how many replies were empty or not a whole page. Target: under slow
clients the next normal request within 2x its idle latency.

    python bench/view_load.py                      # 50 slow clients, 1 100 half-open, 8 stale
    python bench/view_load.py --slow 200 --half-open 3000
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import REPO_ROOT  # noqa: F401 - puts the repository on sys.path

TIMEOUT_S = 30.0
PEAK_THREADS = 0


def build_results(root: Path, samples: int) -> Path:
    from tests.report_fixtures import make_run

    for name, model in (("run-a", "local"), ("run-b", "hf:other"), ("run-c", "hf:third")):
        make_run(root / name, ["countdown", "counterbench"], samples, model=model, trace_chars=400)
    return root


def get(url: str) -> tuple[float, int, bytes]:
    """(seconds, status, body); status 0 when the request failed or timed out."""
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            body = response.read()
            return time.perf_counter() - start, response.status, body
    except urllib.error.HTTPError as exc:
        return time.perf_counter() - start, exc.code, exc.read()
    except OSError:
        return time.perf_counter() - start, 0, b""


def latencies(base: str, count: int) -> tuple[list[float], int]:
    """Alternate a small file and the index page, one request at a time (the process's thread count
    is sampled too: the server runs in it)."""
    global PEAK_THREADS
    seconds, failed = [], 0
    for i in range(count):
        PEAK_THREADS = max(PEAK_THREADS, threading.active_count())
        elapsed, status, _ = get(base + ("/runs/run-a/metrics.json" if i % 2 == 0 else "/"))
        if status != 200:
            failed += 1
        seconds.append(elapsed)
    return seconds, failed


def summary(name: str, seconds: list[float], failed: int, idle_median: float | None = None) -> float:
    global PEAK_THREADS
    ordered = sorted(seconds)
    median = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    ratio = f"  ({median / idle_median:.1f}x idle)" if idle_median else ""
    print(f"{name:<34} median {median * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms  worst {ordered[-1] * 1000:8.1f} ms"
          f"  failed {failed}  threads {PEAK_THREADS}{ratio}")
    PEAK_THREADS = 0
    return median


class SlowClients:
    """``count`` connections that dribble a request one byte per ``interval_s`` and ``count`` that stay
    silent; closed by ``stop``."""

    def __init__(self, port: int, count: int, silent: int, interval_s: float = 1.0) -> None:
        self.port, self.count, self.silent, self.interval_s = port, count, silent, interval_s
        self.sockets: list[socket.socket] = []
        self.refused = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._dribble, daemon=True)

    def start(self) -> SlowClients:
        for i in range(self.count + self.silent):
            try:
                sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                sock.setblocking(False)
                if i < self.count:
                    sock.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                self.sockets.append(sock)
            except OSError:
                self.refused += 1
        self._thread.start()
        return self

    def _dribble(self) -> None:
        while not self._stop.wait(self.interval_s):
            for sock in self.sockets[: self.count]:
                try:
                    sock.send(b"X")
                except OSError:
                    pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for sock in self.sockets:
            sock.close()


def stale_report(base: str, run_dir: Path, clients: int) -> tuple[int, int, int]:
    """(replies, empty, torn) when ``clients`` ask at once for a report made stale just now."""
    samples = run_dir / "samples.jsonl"
    later = time.time() + 5
    import os

    os.utime(samples, (later, later))  # newer than report.html: the next request rebuilds it
    with ThreadPoolExecutor(clients) as pool:
        replies = list(pool.map(lambda _: get(base + "/runs/run-b/report.html"), range(clients)))
    empty = sum(1 for _, status, body in replies if status != 200 or not body)
    torn = sum(1 for _, status, body in replies if body and not body.rstrip().endswith(b"</html>"))
    return len(replies), empty, torn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slow", type=int, default=50, help="slow clients (default %(default)s)")
    parser.add_argument("--half-open", type=int, default=1100, help="silent connections (default %(default)s)")
    parser.add_argument("--stale", type=int, default=8, help="clients asking for a stale report at once")
    parser.add_argument("--requests", type=int, default=40, help="normal requests per scenario")
    parser.add_argument("--samples", type=int, default=150, help="samples per task in each run folder")
    args = parser.parse_args()

    from harness.report.view import serve_in_thread

    with tempfile.TemporaryDirectory(prefix="harness-view-load-") as scratch:
        results = build_results(Path(scratch) / "results", args.samples)
        size = sum(p.stat().st_size for p in results.rglob("*") if p.is_file())
        server, thread = serve_in_thread(results)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        print(f"results folder: 3 runs, {size / 1e6:.1f} MB; {args.requests} normal requests per scenario")
        try:
            get(base + "/")  # warm: imports, first renders
            idle, failed = latencies(base, args.requests)
            idle_median = summary("idle", idle, failed)
            slow = SlowClients(server.server_address[1], args.slow, args.slow).start()
            time.sleep(1.0)
            loaded, failed = latencies(base, args.requests)
            slow.stop()
            summary(f"{args.slow} slow + {args.slow} silent clients", loaded, failed, idle_median)
            half = SlowClients(server.server_address[1], 0, args.half_open).start()
            time.sleep(1.0)
            loaded, failed = latencies(base, args.requests)
            half.stop()
            summary(f"{args.half_open} half-open connections", loaded, failed, idle_median)
            if half.refused:
                print(f"  ({half.refused} of the half-open connections were refused by the server)")
            time.sleep(0.5)
            after, failed = latencies(base, args.requests)
            summary("idle again", after, failed, idle_median)
            replies, empty, torn = stale_report(base, results / "run-b", args.stale)
            print(f"stale report, {args.stale} clients at once     {replies} replies, {empty} empty or failed, {torn} not a whole page")
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
