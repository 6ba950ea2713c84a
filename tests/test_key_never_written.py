"""An API key that a server echoes back reaches no file, no stderr line and no `harness view` page.

The fake server echoes the request's ``Authorization`` header into every error message (HTTP errors,
an error inside a 200, an HTML page's title), every finish reason and every answer, under faults of
all thirteen kinds. The key is given three ways (a plain key, an ``sk-`` key, a password in
``--base-url``); after `harness run`, `harness report --html` and `harness leaderboard`, every file
under the results folder (cache included), the commands' stdout and stderr and every page the viewer
serves are searched for it in every spelling, and the echoes are checked to have happened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from harness.report.view import RUN_FILES
from tests.conftest import REPO_ROOT
from tests.fake_openai_server import FAULT_KINDS, FakeOpenAIServer, FaultMix
from tests.report_fixtures import page_data
from tests.view_helpers import get, serving

KEYS = {"plain": "plainKEY0123456789abcXYZ", "sk": "sk-proj-Zx81Yq77Lm33Np55Tt", "url": "UrlPass0987654321zzQQ"}


def spellings(key: str) -> list[bytes]:
    return [key.encode(), quote(key, safe="").encode(), key[:12].encode()]  # a prefix: no part of it either


def harness(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, env=env, cwd=REPO_ROOT,
                          timeout=300)


def search_files(root: Path, key: str) -> tuple[int, list[str]]:
    files = [path for path in root.rglob("*") if path.is_file()]
    return len(files), [str(path) for path in files if any(s in path.read_bytes() for s in spellings(key))]


def search_pages(results: Path, key: str) -> tuple[int, list[str]]:
    pages = ["/", "/compare?a=run&b=run", "/runs/nope/"] + [f"/runs/run/{name}" for name in RUN_FILES]
    with serving(results) as base:
        leaked = [page for page in pages if any(s.decode() in get(base + page, timeout=60)[1] for s in spellings(key))]
    return len(pages), leaked


@pytest.mark.parametrize("form", KEYS)
def test_an_echoed_key_reaches_no_file_stderr_or_page(form, tmp_path):
    key = KEYS[form]
    results = tmp_path / "results"
    faults = FaultMix(rate=0.6, kinds=FAULT_KINDS, max_faults_per_request=1, hang_s=0.8, retry_after_s=0.01, seed=3)
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    with FakeOpenAIServer(api_key=key, faults=faults, echo_headers=True, reject_fn=lambda prompt: prompt.endswith("9")) as server:
        base_url = server.base_url.replace("http://", f"http://user:{key}@") if form == "url" else server.base_url
        if form != "url":
            env["ECHO_KEY"] = key
        run = harness("run", "countdown", "--limit", "30", "--model", "openai:fake-model", "--base-url", base_url,
                      "--api-key-env", "ECHO_KEY", "--max-retries", "0", "--request-timeout", "0.4",
                      "--results-dir", str(results), "--out", str(results / "run"), "--no-progress", env=env)
    report = harness("report", str(results / "run"), "--html", env=env)
    board = harness("leaderboard", str(results), "--out", str(results / "leaderboard.csv"), env=env)
    assert run.returncode == 3, run.stderr[-2000:]  # finished, with the faulted requests as errors
    assert report.returncode == 0 and board.returncode == 0, report.stderr + board.stderr
    samples = (results / "run" / "samples.jsonl").read_text(encoding="utf-8")
    assert "Authorization: ***" in samples or "Bearer ***" in samples  # the server did echo it: scrubbed
    for output in (run, report, board):
        assert not any(s.decode() in output.stdout + output.stderr for s in spellings(key))
    count, leaked = search_files(tmp_path, key)
    assert count >= 8 and not leaked, leaked  # run files, report, leaderboard, cache (+ WAL)
    embedded = json.dumps(page_data((results / "run" / "report.html").read_text(encoding="utf-8")))
    assert not any(s.decode() in embedded for s in spellings(key))  # the report's compressed sample data too
    count, leaked = search_pages(results, key)
    assert not leaked, leaked
