"""`harness view` as a local web server that a browser and a hostile page can both reach: nothing
outside the results folder is served (symlinks included), only loopback Host headers are answered
(DNS rebinding), a stale report is rebuilt once under a lock and every client gets a whole page,
unchanged run folders are not re-hashed per request, a client that hangs up before its blank line
runs nothing, silent connections are timed out, connections cost no thread each, and a report on
read-only storage is served from memory. (Latency under slow clients: bench/view_load.py.)"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.report import html, run_folder
from tests.report_fixtures import make_run
from tests.storage_helpers import read_only
from tests.view_helpers import get, serving


@pytest.fixture
def results(tmp_path):
    root = tmp_path / "results"
    make_run(root / "run-a", ["countdown"], 6)
    make_run(root / "run-b", ["countdown"], 6)
    make_run(tmp_path / "elsewhere" / "private", ["countdown"], 4, model="hf:private")
    (tmp_path / "secret.txt").write_text("outside the results folder")
    return root


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def test_nothing_outside_the_results_folder_is_served_through_symlinks(results, tmp_path):
    (results / "linked-outside").symlink_to(tmp_path / "elsewhere" / "private")
    os.replace(results / "run-a" / "report.html", tmp_path / "report-backup.html")
    (results / "run-a" / "report.html").symlink_to(tmp_path / "secret.txt")
    future = time.time() + 60
    os.utime(tmp_path / "secret.txt", (future, future), follow_symlinks=True)  # newer than the run: "fresh"
    with serving(results) as base:
        status, index = get(base + "/")
        assert status == 200 and "linked-outside" not in index and "hf:private" not in index
        assert get(base + "/runs/linked-outside/")[0] == 400
        assert get(base + "/runs/linked-outside/metrics.json")[0] == 400
        status, page = get(base + "/runs/run-a/report.html")
        assert status == 400 and "outside the results folder" not in page
        assert get(base + "/runs/run-b/report.html")[0] == 200


def test_only_loopback_host_names_are_answered(results):
    with serving(results) as base:
        port = _port(base)
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}"):
            assert get(base + "/", headers={"Host": host})[0] == 200, host
        for host in ("attacker.example", f"attacker.example:{port}", "127.0.0.1.attacker.example", "localhost.", "[::2]"):
            status, body = get(base + "/runs/run-a/metrics.json", headers={"Host": host})
            assert status == 421 and "countdown" not in body, host


def test_every_reply_forbids_outside_scripts_and_sniffing(results):
    import urllib.request

    with serving(results) as base, urllib.request.urlopen(base + "/runs/run-a/", timeout=30) as reply:
        assert "default-src 'none'" in reply.headers["Content-Security-Policy"]
        assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_a_stale_report_is_rebuilt_once_and_every_client_gets_the_whole_page(results, monkeypatch):
    renders = []
    real = html.render_report

    def counting(run_dir):
        renders.append(run_dir)
        time.sleep(0.3)  # a slow build: the other clients arrive while it runs
        return real(run_dir)

    monkeypatch.setattr(html, "render_report", counting)
    later = time.time() + 5
    os.utime(results / "run-b" / "samples.jsonl", (later, later))
    with serving(results) as base, ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: get(base + "/runs/run-b/report.html"), range(8)))
    assert len(renders) == 1
    assert all(status == 200 and body.rstrip().endswith("</html>") for status, body in replies)
    assert len({body for _, body in replies}) == 1
    assert not [p for p in (results / "run-b").iterdir() if ".tmp" in p.name]


def test_unchanged_run_folders_are_not_hashed_again(results, monkeypatch):
    hashed = []
    real = run_folder.file_sha256
    monkeypatch.setattr(run_folder, "file_sha256", lambda path: hashed.append(path) or real(path))
    with serving(results) as base:
        assert get(base + "/runs/run-a/metrics.json")[0] == 200
        first = len(hashed)
        for _ in range(5):
            assert get(base + "/runs/run-a/metrics.json")[0] == 200
            assert get(base + "/")[0] == 200
        assert len(hashed) == first  # (size, mtime) unchanged: no hashing (the first check trusts file_stats too)
        (results / "run-a" / "metrics.csv").write_text("tampered\n")  # size and mtime change
        assert get(base + "/runs/run-a/metrics.json")[0] == 400  # checked again: no longer a complete run
        assert len(hashed) > first


def _raw_connection(base: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", _port(base)), timeout=10)


def test_a_client_that_hangs_up_before_its_blank_line_runs_nothing(results, monkeypatch):
    renders = []
    monkeypatch.setattr(html, "render_report", lambda run_dir: renders.append(run_dir) or "")
    (results / "run-b" / "report.html").unlink()
    with serving(results) as base:
        sock = _raw_connection(base)
        sock.sendall(b"GET /runs/run-b/report.html HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sock.close()
        time.sleep(0.5)
    assert renders == [] and not (results / "run-b" / "report.html").exists()


def test_silent_connections_are_closed_and_cost_no_thread(results, monkeypatch):
    from harness.report import view_server

    monkeypatch.setattr(view_server, "HEAD_TIMEOUT_S", 0.5)
    monkeypatch.setattr(view_server, "MAX_CONNECTIONS", 100)  # past it, the oldest silent one gives way
    with serving(results) as base:
        threads_before = threading.active_count()
        silent = [_raw_connection(base) for _ in range(200)]
        time.sleep(0.2)
        assert threading.active_count() <= threads_before + view_server.WORKERS
        assert get(base + "/runs/run-a/metrics.json", timeout=10)[0] == 200  # still answers at once
        started = time.monotonic()
        assert silent[0].recv(1) == b""  # closed by the server, not left open forever
        assert time.monotonic() - started < 5
        for sock in silent:
            sock.close()


def test_a_report_on_read_only_storage_is_served_from_memory(results):
    (results / "run-b" / "report.html").unlink()
    with read_only(results), serving(results) as base:
        status, page = get(base + "/runs/run-b/")
        assert status == 200 and page.rstrip().endswith("</html>") and 'id="sample-data"' in page
        assert not (results / "run-b" / "report.html").exists()
    shutil.rmtree(results)
